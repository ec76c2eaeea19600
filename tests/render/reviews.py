"""Reviews built by hand: renderers know nothing of rules, so their tests need none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from dbreview.layouts.base import Layout, Migration
from dbreview.review.model import (
    Accepted,
    ActivityLog,
    Change,
    DocStub,
    Explanation,
    FileReport,
    Finding,
    FindingRef,
    GlossaryEntry,
    Impact,
    Item,
    RelationshipMap,
    Review,
    SafetyItem,
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
    suppressed = [Suppressed(rule="drop-column", path=PATH, line=9,
                             reason="column unused since v2")]
    facts = [index_facts()]
    impact = Impact(tables=[TableChange(name="public.orders", change="altered", new=False)],
                    statements=facts)
    return Review(files=[report(findings, suppressed, facts=facts)], impact=impact)


def every_section_review(text: Callable[[str], str] = lambda plain: plain) -> Review:
    """A review that fills every section of the comment. Each value a pull request controls
    (paths, SQL, names, comments, PR text, messages) goes through `text`, so a test can swap
    them all for hostile strings."""
    path = text("supabase/migrations/20250301000000_orders.sql")
    table = text("public.orders")
    facts = StatementFacts(path=path, line=4, end_line=4, sql=text("ALTER TABLE orders ADD x int;"),
                           lock="ACCESS EXCLUSIVE", tables=[table], new_tables=[],
                           blocks="reads and writes", rewrite=True, scan=True)
    item = Item(name=text("note"), detail=text("text not null"), change="changed",
                was=text("varchar(80)"))
    file = replace(
        report([finding(path=path, message=text("message"), remediation=text("remedy"),
                        suggested_sql=text("SELECT 1;"))],
               [Suppressed(rule="drop-column", path=path, line=9, reason=text("reason"))],
               path=path, facts=[facts]),
        why=text("why the migration exists"),
        changes=[Change(line=4, action="add", object="column", name=text("public.orders.x"),
                        detail=text("integer"))],
        backfill_needed=True, backfill_reasons=[text("backfill reason")], downtime_risk="high",
        data_loss=True,
    )
    change = TableChange(name=table, change="altered", new=False, comment=text("comment"),
                         tenant_table=True, columns=[item], constraints=[item], indexes=[item],
                         relationships=[item], rls_enabled=True, policies=[item], triggers=[item])
    return Review(
        files=[file],
        impact=Impact(tables=[change], statements=[facts], backfill_needed=True,
                      backfill_reasons=[text("backfill reason")], downtime_risk="high",
                      data_loss=True),
        config_file=text(".github/dbreview.yml"), pr_title=text("title"), pr_body=text("body"),
        safety=[SafetyItem(id="data-loss", title="Data-loss prevention", status="fail",
                           checked="drops", findings=[FindingRef(rule="drop-column",
                                                                severity="error", path=path,
                                                                line=9)])],
        activity_log=ActivityLog(table=table, function=text("public.log_activity()"),
                                 changed=[text("adds log triggers")], triggers=[item],
                                 covered=[table], uncovered=[text("public.notes")],
                                 example_query=text("SELECT 2;")),
        explanations=[Explanation(table=table, paragraph=text("paragraph"),
                                  glossary=[GlossaryEntry(term=text("term"),
                                                          meaning=text("meaning"))],
                                  example_query=text("SELECT 3;"))],
        relationship_maps=[RelationshipMap(tables=[table], mermaid="erDiagram\n    orders {\n"
                                           "        uuid id PK\n    }\n",
                                           text=text("orders.id"))],
        doc_stubs=[DocStub(table=table, path=text("docs/schema/tables/orders.md"),
                           content=text("# orders"))],
        accepted=[Accepted(rule="drop-column", reason=text("accepted reason"), by=text("octocat"),
                           at="2025-03-01T10:00:00Z")],
    )
