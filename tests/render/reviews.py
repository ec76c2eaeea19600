"""Reviews built by hand: renderers know nothing of rules, so their tests need none."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dbreview.layouts.base import Layout, Migration
from dbreview.review.model import (
    FileReport,
    Finding,
    Impact,
    Review,
    StatementFacts,
    Suppressed,
    TableChange,
)

PATH = "supabase/migrations/20250101120000_invoices.sql"
INDEX_SQL = "CREATE INDEX orders_customer_idx ON public.orders (customer_id);"


def finding(**changes: object) -> Finding:
    """An index-not-concurrent finding on line 3; keyword arguments change any field."""
    base = Finding(
        rule="index-not-concurrent", severity="error", category="locking",
        message="CREATE INDEX on existing table public.orders blocks writes until the build ends",
        remediation="Use CREATE INDEX CONCURRENTLY in a migration that runs outside a transaction",
        path=PATH, line=3, column=1, end_line=3, end_column=64, table="public.orders",
        suggested_sql="CREATE INDEX CONCURRENTLY orders_customer_idx ON public.orders "
        "(customer_id);",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def report(findings: list[Finding], suppressed: list[Suppressed] = (),  # type: ignore[assignment]
           path: str = PATH, facts: list[StatementFacts] = ()) -> FileReport:  # type: ignore[assignment]
    migration = Migration(path=Path(path), version="20250101120000", name="invoices",
                          layout=Layout.VERSIONED)
    return FileReport(path=path, version="20250101120000", migration=migration, statements=7,
                      findings=list(findings), suppressed=list(suppressed), facts=list(facts))


def index_facts(line: int = 3, sql: str = INDEX_SQL) -> StatementFacts:
    return StatementFacts(path=PATH, line=line, sql=sql, lock="SHARE", tables=["public.orders"],
                          new_tables=[], blocks="writes", rewrite=False, scan=True)


def sample_review() -> Review:
    """One file: an error with suggested SQL, a warning without, a notice, one suppression."""
    findings = [
        finding(),
        finding(rule="add-column-volatile-default", severity="warning", line=5, end_line=6,
                end_column=20, message="ADD COLUMN with a volatile default rewrites "
                "public.orders", remediation="Add the column without a default, then backfill",
                suggested_sql=None),
        finding(rule="prefer-text", severity="notice", category="schema-design", line=8,
                end_line=8, end_column=40, message="Column public.orders.note is varchar(80)",
                remediation="Use text with a CHECK on its length", suggested_sql=None),
    ]
    suppressed = [Suppressed("drop-column", PATH, 9, "column unused since v2")]
    impact = Impact(tables=[TableChange("public.orders", "altered", False)])
    return Review(files=[report(findings, suppressed, facts=[index_facts()])], impact=impact)
