from __future__ import annotations

from collections.abc import Iterator, Set
from typing import Any

from dbreview.rules.audit.log import LOGGED_EVENTS, log_table_key, log_triggers
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.fixes import rewrite
from dbreview.schema.model import Table, Trigger

_EVENT_BITS = {"insert": 4, "delete": 8, "update": 16}  # libpg_query's TRIGGER_TYPE_* bits


@rule(
    id="activity-trigger-incomplete",
    category="audit",
    severity="warning",
    summary="An activity-log trigger that is statement-level, BEFORE, or misses an event",
    rationale="The log needs one row per changed row, written after the change succeeded: a "
    "FOR EACH STATEMENT trigger sees no rows, a BEFORE trigger logs changes that constraints "
    "or later triggers still reject or alter, and a missing INSERT, UPDATE or DELETE leaves "
    "that kind of change untraced.",
    remediation="Declare the log trigger AFTER INSERT OR UPDATE OR DELETE … FOR EACH ROW",
    bad="CREATE TRIGGER orders_log AFTER INSERT ON orders\n"
    "  FOR EACH ROW EXECUTE FUNCTION log_activity();",
    good="CREATE TRIGGER orders_log AFTER INSERT OR UPDATE OR DELETE ON orders\n"
    "  FOR EACH ROW EXECUTE FUNCTION log_activity();",
    scope=Scope.CHANGESET,
    config_keys=["audit.function"],
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    audit = changeset.config.audit
    log_key = log_table_key(changeset.schema, audit)
    for table in changeset.changed_tables():
        triggers = log_triggers(table, audit)
        if table.key != log_key and any(trigger.new for trigger in triggers):
            yield from _judge(changeset, table, triggers)


def _well_formed(trigger: Trigger) -> bool:
    return trigger.row and trigger.timing == "after"


def _judge(changeset: ChangesetContext, table: Table, triggers: list[Trigger]) -> Iterator[Hit]:
    covered = {event for trigger in triggers if _well_formed(trigger) for event in trigger.events}
    missing = {event for event in LOGGED_EVENTS if event not in covered}
    new = [trigger for trigger in triggers if trigger.new]
    flawed = [(trigger, flaw) for trigger in new if (flaw := _flaw(trigger))]
    for trigger, flaw in flawed:  # the repaired trigger also takes the missing events
        yield _hit(changeset, table, trigger, flaw, missing)
    target = next((trigger for trigger in new if _well_formed(trigger)), None)
    if missing and not flawed and target is not None:
        names = ", ".join(event.upper() for event in LOGGED_EVENTS if event in missing)
        yield _hit(changeset, table, target, f"misses {names}: those changes go unlogged",
                   missing)


def _hit(changeset: ChangesetContext, table: Table, trigger: Trigger, flaw: str,
         missing: set[str]) -> Hit:
    statement = changeset.statement_at(trigger.origin)
    events = (trigger.events & set(_EVENT_BITS)) | missing
    pg_version = changeset.config.pg_version
    suggested = rewrite(statement.text, _repair(events, pg_version)) if statement else None
    if suggested and pg_version >= 11:  # pglast prints the PG 10 spelling
        suggested = suggested.replace(" EXECUTE PROCEDURE ", " EXECUTE FUNCTION ")
    return Hit(message=f"activity-log trigger {trigger.name} on {table.display} {flaw}",
               table=table.display, at=trigger.origin, suggested_sql=suggested)


def _flaw(trigger: Trigger) -> str | None:
    if not trigger.row and trigger.events != {"truncate"}:  # TRUNCATE can only be per statement
        return "is FOR EACH STATEMENT: it sees no rows, so no row is logged"
    if trigger.row and trigger.timing != "after":
        return (f"runs {trigger.timing.upper()} the change: it logs changes that a constraint "
                "or a later trigger still rejects or alters")
    return None


def _repair(events: Set[str], pg_version: int) -> Any:
    """The trigger as it should be; OR REPLACE (PG 14+) lets it run after the original too."""

    def change(node: Any) -> None:
        node.replace = pg_version >= 14
        node.row = True
        node.timing = 0  # AFTER
        node.events = sum(_EVENT_BITS[event] for event in events)

    return change


RULE = check
