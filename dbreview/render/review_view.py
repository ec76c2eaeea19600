"""What the comment and check-run templates read: the review, arranged for display.

Values stay untrusted strings (the template environment escapes them); only the Markdown built
here (links, icons) is `Trusted`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

import pglast

from dbreview import __version__
from dbreview.render.common import by_position, counts_phrase, plural, risk_phrases
from dbreview.render.templating import Trusted, code, inline
from dbreview.review.model import (
    SEVERITIES,
    FileReport,
    Finding,
    Item,
    Review,
    StatementFacts,
    Suppressed,
    TableChange,
)

SEVERITY_HEADINGS = {"error": "Errors", "warning": "Warnings", "notice": "Notices"}
SEVERITY_ICONS = {"error": "❌", "warning": "⚠️", "notice": "ℹ️"}
STATUS_ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
RISK_ICONS = {"none": "✅", "low": "⚠️", "high": "❌"}
COMMANDS = ("/dbreview", "/dbreview explain [table]", "/dbreview ask <question>",
            "/dbreview docs", "/dbreview ignore <rule-id> [reason]", "/dbreview help")
_PRETTY_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Links:
    """Where links point. The GitHub App knows; on the command line there are no links."""

    docs: str | None = None  # base URL of docs/rules/, ending in "/"
    blob: str | None = None  # base URL of the reviewed commit's files, ending in "/"

    def rule(self, rule_id: str) -> Trusted:
        label = code(rule_id)
        if self.docs is None:
            return label
        return Trusted(f"[{label}]({self.docs}{quote(rule_id)}.md)")

    def location(self, path: str, line: int) -> Trusted:
        label = inline(f"{path}:{line}")
        if self.blob is None:
            return label
        return Trusted(f"[{label}]({self.blob}{quote(path)}#L{line})")


def pretty_sql(facts: StatementFacts) -> str:
    """The statement as its author wrote it; pretty-printed only when a line of it is wider
    than 100 columns (a CREATE TABLE on one line, say) and printing makes it narrower. Printing
    everything would restyle what the author laid out with care."""
    written = facts.sql.rstrip().rstrip(";") + ";" if facts.complete else facts.sql
    widest = max((len(line) for line in written.splitlines()), default=0)
    if not facts.complete or widest <= _PRETTY_WIDTH:
        return written
    try:
        printed = pglast.prettify(facts.sql, comma_at_eoln=True).rstrip() + ";"
    except Exception:  # noqa: BLE001 - pglast raises many kinds; the source text always works
        return written
    narrower = max(len(line) for line in printed.splitlines()) < widest
    return printed if narrower else written


def _short_sql(sql: str, width: int = 80) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ReviewView:
    def __init__(self, review: Review, *, head_sha: str | None = None,
                 details_url: str | None = None, links: Links | None = None) -> None:
        self.review = review
        self.head_sha = head_sha[:7] if head_sha else None
        self.details_url = details_url
        self.links = links or Links()
        self.version = Trusted(__version__)
        self.commands = COMMANDS

    # The verdict -----------------------------------------------------------------------------

    @property
    def icon(self) -> Trusted:
        if self.review.failed:
            return Trusted("❌")
        return Trusted("⚠️" if self.review.findings() else "✅")

    @property
    def counts(self) -> str:
        return counts_phrase(self.review)

    @property
    def files(self) -> str:
        return plural(len(self.review.files), "file")

    @property
    def verdict(self) -> str:
        if self.review.failed:
            return "Not ready to merge"
        if self.review.findings():
            return "Mergeable after reading the warnings"
        return "Ready to merge"

    @property
    def risks(self) -> list[str]:
        return risk_phrases(self.review)

    @property
    def pointer(self) -> Trusted:
        """Where the rest of a shortened section is."""
        if self.details_url:
            return Trusted(f"[the check run]({self.details_url})")
        return Trusted("the output of `dbreview check`")

    # Impact ----------------------------------------------------------------------------------

    @property
    def reports(self) -> list[FileReport]:
        """The migrations; a changed file that is none (a dump) only has findings to show."""
        return [report for report in self.review.files if not report.repository_file]

    @staticmethod
    def changes(report: FileReport, limit: int = 12) -> tuple[list[str], int]:
        labels = [change.label for change in report.changes]
        return labels[:limit], max(0, len(labels) - limit)

    @staticmethod
    def locks(report: FileReport) -> list[StatementFacts]:
        """Statements that lock a table that existed before the changeset."""
        return [facts for facts in report.facts
                if facts.lock is not None and len(facts.tables) > len(facts.new_tables)]

    @staticmethod
    def existing_tables(facts: StatementFacts) -> list[str]:
        return [table for table in facts.tables if table not in facts.new_tables]

    @staticmethod
    def risk_icon(risk: str) -> Trusted:
        return Trusted(RISK_ICONS[risk])

    def downtime_phrase(self, report: FileReport) -> str:
        blocking = report.blocking_facts()
        if report.downtime_risk == "none":
            return "none: no statement blocks reads or writes of an existing table"
        worst = next((facts for facts in blocking if facts.rewrite or facts.scan), blocking[0])
        tables = ", ".join(self.existing_tables(worst))
        if report.downtime_risk == "high":
            work = "rewrites" if worst.rewrite else "scans"
            said = (f"line {worst.line} holds {worst.lock} on {tables} while it {work} the "
                    f"table: {worst.blocks} wait until it ends")
        else:
            said = (f"line {worst.line} takes {worst.lock} on {tables} briefly: {worst.blocks} "
                    "queue behind it while it waits for running transactions")
        others = len(blocking) - 1
        more = f" ({others} more blocking statement{'s' if others != 1 else ''})" if others else ""
        return f"{report.downtime_risk}: {said}{more}"

    @staticmethod
    def short_sql(facts: StatementFacts) -> str:
        return _short_sql(facts.sql)

    @property
    def pr_body(self) -> str | None:
        body = (self.review.pr_body or "").strip()
        return _short_sql(body, 500) if body else None

    # Safety ----------------------------------------------------------------------------------

    @staticmethod
    def status_icon(status: str) -> Trusted:
        return Trusted(STATUS_ICONS[status])

    # Findings --------------------------------------------------------------------------------

    @cached_property
    def severity_groups(self) -> list[tuple[str, str, list[Finding]]]:
        """(severity, heading, findings) for each severity that has findings."""
        groups: list[tuple[str, str, list[Finding]]] = []
        for severity in SEVERITIES:
            findings = [finding for report in self.review.files
                        for finding in by_position([f for f in report.findings
                                                    if f.severity == severity])]
            if findings:
                groups.append((severity, SEVERITY_HEADINGS[severity], findings))
        return groups

    @staticmethod
    def severity_icon(severity: str) -> Trusted:
        return Trusted(SEVERITY_ICONS[severity])

    @cached_property
    def suppressed(self) -> list[Suppressed]:
        return [item for report in self.review.files for item in report.suppressed]

    def rule_link(self, rule_id: str) -> Trusted:
        return self.links.rule(rule_id)

    def location_link(self, path: str, line: int) -> Trusted:
        return self.links.location(path, line)

    # Preview ---------------------------------------------------------------------------------

    @property
    def statement_count(self) -> int:
        return sum(len(report.facts) for report in self.review.files)

    def preview(self, limit: int) -> tuple[list[tuple[FileReport, list[StatementFacts]]], int]:
        """The first `limit` statements by file, and how many more there are."""
        items, left = [], limit
        for report in self.review.files:
            if left and report.facts:
                items.append((report, report.facts[:left]))
                left -= len(items[-1][1])
        return items, self.statement_count - (limit - left)

    @staticmethod
    def pretty(facts: StatementFacts) -> str:
        return pretty_sql(facts)

    # Schema changes --------------------------------------------------------------------------

    @property
    def tables(self) -> list[TableChange]:
        return self.review.impact.tables

    @staticmethod
    def table_summary(table: TableChange) -> str:
        """`altered: 1 column added, 1 index added` in a few words."""
        parts = []
        for label, items in (("column", table.columns), ("constraint", table.constraints),
                             ("index", table.indexes), ("policy", table.policies),
                             ("trigger", table.triggers)):
            for change in ("added", "changed", "dropped"):
                count = sum(1 for item in items if item.change == change)
                if count and table.change == "altered":
                    word = plural(count, label).replace("indexs", "indexes").replace(
                        "policys", "policies")
                    parts.append(f"{word} {change}")
        if table.rls_change:
            parts.append(f"RLS {table.rls_change}")
        if table.change == "created":
            parts.append(f"{plural(len(table.columns), 'column')}, RLS "
                         f"{'on' if table.rls_enabled else 'off'}")
        return f"{table.change}" + (f": {', '.join(parts)}" if parts else "")

    @staticmethod
    def change_mark(item: Item) -> Trusted:
        return Trusted({"added": "🆕 added", "changed": "✏️ changed", "dropped": "🗑️ dropped",
                        None: ""}[item.change])

    @staticmethod
    def indexes(table: TableChange) -> list[Item]:
        """Indexes, without those a constraint of the same name already lists."""
        constraints = {item.name for item in table.constraints}
        return [item for item in table.indexes if item.name not in constraints]
