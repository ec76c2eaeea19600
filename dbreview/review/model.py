"""The review model: what every renderer (text, JSON, SARIF, GitHub, Markdown) reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dbreview.layouts.base import Migration

Conclusion = Literal["failure", "success", "neutral"]


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    category: str
    message: str
    remediation: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    table: str | None = None
    suggested_sql: str | None = None


@dataclass(slots=True)
class Suppressed:
    rule: str
    path: str
    line: int
    reason: str


@dataclass(slots=True)
class StatementFacts:
    """The impact of one statement: the lock it takes on which tables, and what it does."""

    path: str
    line: int
    sql: str
    lock: str | None
    tables: list[str]
    new_tables: list[str]
    blocks: str
    rewrite: bool
    scan: bool
    observed: bool = False


@dataclass(slots=True)
class FileReport:
    path: str
    version: str | None
    migration: Migration
    statements: int = 0
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    facts: list[StatementFacts] = field(default_factory=list)


@dataclass(slots=True)
class TableChange:
    name: str
    change: Literal["created", "altered", "dropped"]
    new: bool


@dataclass(slots=True)
class Impact:
    tables: list[TableChange] = field(default_factory=list)
    backfill_needed: bool = False
    downtime_risk: Literal["none", "low", "high"] = "none"
    data_loss: bool = False


@dataclass(slots=True)
class Review:
    files: list[FileReport]
    impact: Impact
    fail_on: str = "error"

    def findings(self) -> list[Finding]:
        return [finding for report in self.files for finding in report.findings]

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "notice": 0, "suppressed": 0}
        for report in self.files:
            for finding in report.findings:
                counts[finding.severity] += 1
            counts["suppressed"] += len(report.suppressed)
        return counts

    @property
    def failed(self) -> bool:
        if self.fail_on == "never":
            return False
        threshold = {"error": 3, "warning": 2, "notice": 1}[self.fail_on]
        ranks = {"error": 3, "warning": 2, "notice": 1}
        return any(ranks[finding.severity] >= threshold for finding in self.findings())

    @property
    def conclusion(self) -> Conclusion:
        return "failure" if self.failed else "success"
