"""The impact summary: per statement, the lock and what it blocks; per changeset, which tables
change, whether a backfill is needed, the downtime risk and whether data can be lost."""

from __future__ import annotations

from collections.abc import Iterable

from dbreview.impact.locks import StatementImpact
from dbreview.review.model import FileReport, Impact, StatementFacts, TableChange
from dbreview.rules.base import Rule
from dbreview.schema.model import Key, Schema
from dbreview.secrets import mask_secrets
from dbreview.sql.parse import Statement

_SQL_PREVIEW = 500


def statement_facts(
    path: str, statement: Statement, impact: StatementImpact
) -> StatementFacts | None:
    if not impact.locks:
        return None
    strongest = max(impact.locks, key=lambda lock: lock.mode)
    existing = impact.strongest
    text = mask_secrets(statement.text)
    sql = text if len(text) <= _SQL_PREVIEW else text[:_SQL_PREVIEW] + " …"
    return StatementFacts(
        path=path, line=statement.span.line, sql=sql, lock=strongest.mode.label,
        tables=[lock.display for lock in impact.locks],
        new_tables=[lock.display for lock in impact.locks if lock.new],
        blocks=existing.mode.blocks if existing else "nothing",
        rewrite=impact.rewrite, scan=impact.scan,
    )


def _downtime(reports: Iterable[FileReport]) -> str:
    risk = "none"
    for report in reports:
        for facts in report.facts:
            if facts.blocks == "nothing":
                continue
            if facts.rewrite or facts.scan:
                return "high"
            risk = "low"
    return risk


def summarize_impact(schema: Schema, tables_before: set[Key], reports: list[FileReport],
                     hit_rules: list[Rule]) -> Impact:
    changes = [TableChange(table.display, "created", True)
               for table in schema.tables.values() if table.new]
    changes += [TableChange(table.display, "altered", False)
                for table in schema.tables.values() if table.altered]
    changes += [TableChange(f"{key[0]}.{key[1]}", "dropped", False)
                for key in sorted(tables_before - set(schema.tables))]
    categories = {rule.category for rule in hit_rules}
    rewrites = any(facts.rewrite and facts.blocks != "nothing"
                   for report in reports for facts in report.facts)
    return Impact(
        tables=changes,
        backfill_needed="backfill" in categories or rewrites,
        downtime_risk=_downtime(reports),  # type: ignore[arg-type]
        data_loss="data-loss" in categories,
    )


def merge_impacts(impacts: list[Impact]) -> Impact:
    order = {"none": 0, "low": 1, "high": 2}
    merged = Impact()
    for impact in impacts:
        merged.tables.extend(impact.tables)
        merged.backfill_needed |= impact.backfill_needed
        merged.data_loss |= impact.data_loss
        if order[impact.downtime_risk] > order[merged.downtime_risk]:
            merged.downtime_risk = impact.downtime_risk
    return merged


__all__ = ["merge_impacts", "statement_facts", "summarize_impact"]
