"""The impact summary: per statement, the lock and what it blocks; per file and per changeset,
whether a backfill is needed and why, the downtime risk and whether data can be lost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from dbreview.impact.locks import StatementImpact
from dbreview.review.model import RISK_ORDER, FileReport, Impact, Risk, StatementFacts, TableChange
from dbreview.secrets import mask_secrets
from dbreview.sql.parse import Statement

_SQL_PREVIEW = 500


@dataclass(frozen=True, slots=True)
class RawHit:
    """A rule hit before configuration and suppression: a disabled or suppressed backfill rule
    does not make the backfill unnecessary."""

    category: str
    message: str
    line: int


def statement_facts(path: str, statement: Statement, impact: StatementImpact) -> StatementFacts:
    existing = impact.strongest
    text = mask_secrets(statement.text)
    complete = len(text) <= _SQL_PREVIEW
    strongest = max(impact.locks, key=lambda lock: lock.mode) if impact.locks else None
    return StatementFacts(
        path=path, line=statement.span.line, end_line=statement.span.end_line,
        sql=text if complete else text[:_SQL_PREVIEW] + " …", complete=complete,
        lock=strongest.mode.label if strongest else None,
        tables=[lock.display for lock in impact.locks],
        new_tables=[lock.display for lock in impact.locks if lock.new],
        blocks=existing.mode.blocks if existing else "nothing",
        rewrite=impact.rewrite, scan=impact.scan,
    )


def downtime_risk(facts: Iterable[StatementFacts]) -> Risk:
    """High when a blocking lock is held while the table is rewritten or scanned; low when a
    blocking lock is only queued for (it still stalls traffic behind it); else none."""
    risk: Risk = "none"
    for item in facts:
        if not item.blocking:
            continue
        if item.rewrite or item.scan:
            return "high"
        risk = "low"
    return risk


def assess_file(report: FileReport, hits: list[RawHit]) -> None:
    """Fill the file's backfill, downtime and data-loss verdicts."""
    reasons = [f"{hit.message} (line {hit.line})" for hit in hits if hit.category == "backfill"]
    reasons += [f"line {item.line} rewrites every row of {', '.join(_existing(item))} under "
                f"{item.lock}" for item in report.facts if item.rewrite and item.blocking]
    report.backfill_reasons = reasons
    report.backfill_needed = bool(reasons)
    report.downtime_risk = downtime_risk(report.facts)
    report.data_loss = any(hit.category == "data-loss" for hit in hits)


def _existing(facts: StatementFacts) -> list[str]:
    return [table for table in facts.tables if table not in facts.new_tables]


def summarize_impact(reports: list[FileReport], tables: list[TableChange]) -> Impact:
    return Impact(
        tables=tables,
        statements=[facts for report in reports for facts in report.facts],
        backfill_needed=any(report.backfill_needed for report in reports),
        backfill_reasons=[reason for report in reports for reason in report.backfill_reasons],
        downtime_risk=max((report.downtime_risk for report in reports), key=RISK_ORDER.__getitem__,
                          default="none"),
        data_loss=any(report.data_loss for report in reports),
    )


def merge_tables(changes: Iterable[TableChange]) -> list[TableChange]:
    """One entry per table across changesets: the latest state, created if any created it."""
    merged: dict[str, TableChange] = {}
    for change in changes:
        earlier = merged.get(change.name)
        if earlier is not None and earlier.change == "created" and change.change == "altered":
            change = replace(change, change="created", new=True)
        merged[change.name] = change
    return list(merged.values())


__all__ = ["RawHit", "assess_file", "downtime_risk", "merge_tables", "statement_facts",
           "summarize_impact"]
