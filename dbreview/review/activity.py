"""The activity-log design (C.4) when a changeset adds or changes it: the log table and
function, the triggers that call it, which tables are covered, and the query a person or an
agent runs to see what changed on one record."""

from __future__ import annotations

from dbreview.config import Config
from dbreview.explain.facts import logged, trigger_text
from dbreview.review.model import ActivityLog, Item
from dbreview.rules.audit.canonical import literal, name
from dbreview.rules.audit.log import (
    TABLE_KINDS,
    is_excluded,
    is_log_function,
    log_function_key,
    log_table_key,
    log_triggers,
)
from dbreview.schema.model import Function, Schema, Table

_SHOWN_COLUMNS = ("created_at", "action", "actor_id", "old_data", "new_data")
_EXAMPLE_ID = "00000000-0000-0000-0000-000000000000"


def activity_log(schema: Schema, config: Config) -> ActivityLog | None:
    """None when the changeset leaves the activity log as it was."""
    audit = config.audit
    log_key = log_table_key(schema, audit)
    log = schema.tables.get(log_key)
    # what the changeset touched, not the whole schema: this runs once per reviewed file
    changed_tables = [item for item in schema.touched if isinstance(item, Table)
                      and item.kind in TABLE_KINDS and schema.tables.get(item.key) is item]
    triggers = [(table, trigger) for table in changed_tables
                for trigger in log_triggers(table, audit) if trigger.new]
    functions = [item for item in schema.touched if isinstance(item, Function)
                 and is_log_function(f"{item.schema}.{item.name}", audit)]
    changes = []
    if log is not None and (log.new or log.altered):
        changes.append(f"{'creates' if log.new else 'alters'} the log table {log.display}")
    changes += [f"creates or replaces the log function {name((item.schema, item.name))}()"
                for item in functions]
    if triggers:
        tables = sorted({table.display for table, _ in triggers})
        changes.append(f"adds log triggers on {', '.join(tables)}")
    if not changes:
        return None
    function_key = log_function_key(schema, audit)
    covered = sorted((table for table in schema.tables.values()
                      if table.kind in TABLE_KINDS and logged(table, config)),
                     key=lambda table: table.display)
    uncovered = [table.display for table in changed_tables
                 if table.key != log_key and not is_excluded(table, audit)
                 and not logged(table, config)]
    example_table = next((table for table, _ in triggers), None) or next(iter(covered), None)
    return ActivityLog(
        table=f"{log_key[0]}.{log_key[1]}",
        function=f"{name(function_key)}()" if function_key else f"{audit.function}()",
        changed=changes,
        triggers=[Item(name=f"{trigger.name} on {table.display}",
                       detail=trigger_text(trigger).split(": ", 1)[1], change="added")
                  for table, trigger in triggers],
        covered=[table.display for table in covered], uncovered=uncovered,
        example_query=_example_query(log, example_table, qualified=function_key is not None
                                     and "tg_table_schema" in
                                     schema.functions[function_key].body.lower()),
    )


def _example_query(log: Table | None, table: Table | None, *, qualified: bool) -> str:
    """What changed on one record of `table` in the last day, newest first. The log function
    records the table as TG_TABLE_NAME, or schema-qualified when its body uses TG_TABLE_SCHEMA."""
    columns = [column for column in _SHOWN_COLUMNS if log is None or column in log.columns]
    subject = table.display if table is not None else "public.your_table"
    table_name = subject if qualified or table is None else table.name
    conditions = [f"table_name = {literal(table_name)}", f"record_id = '{_EXAMPLE_ID}'"]
    if log is None or "created_at" in log.columns:
        conditions.append("created_at >= now() - interval '1 day'")
    order = "\nORDER BY created_at DESC" if "created_at" in columns else ""
    log_name = name(log.key) if log is not None else "public.activity_log"
    return (f"-- What changed on record {_EXAMPLE_ID} of {subject} since yesterday, newest "
            f"first\n"
            f"SELECT {', '.join(columns or ['*'])}\nFROM {log_name}\n"
            f"WHERE " + "\n  AND ".join(conditions) + f"{order};")
