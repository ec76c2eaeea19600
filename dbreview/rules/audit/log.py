"""What the audit rules share: which table is the activity log, which trigger calls the log
function, and where in the changeset an object was written."""

from __future__ import annotations

from dbreview.config import AuditConfig
from dbreview.schema.model import Key, Schema, Table, Trigger
from dbreview.sql.nodes import QName

LOGGED_EVENTS = ("insert", "update", "delete")
TABLE_KINDS = ("table", "partitioned table")


def qualified(name: str) -> QName:
    """A configured name, `name` or `schema.name`."""
    schema, _, relname = name.rpartition(".")
    return (schema or None, relname)


def log_table_key(schema: Schema, audit: AuditConfig) -> Key:
    return schema.key(qualified(audit.table))


def is_log_function(function: str, audit: AuditConfig) -> bool:
    """`function` (as a trigger names it, maybe schema-qualified) is the configured one."""
    wanted_schema, wanted = qualified(audit.function.lower())
    called_schema, called = qualified(function.lower())
    if called != wanted:
        return False
    return wanted_schema is None or called_schema is None or called_schema == wanted_schema


def log_triggers(table: Table, audit: AuditConfig) -> list[Trigger]:
    return [trigger for trigger in table.triggers.values()
            if is_log_function(trigger.function, audit)]


def is_excluded(table: Table, audit: AuditConfig) -> bool:
    return table.name in audit.exclude or table.display in audit.exclude


def log_function_key(schema: Schema, audit: AuditConfig) -> Key | None:
    """The log function the schema already has, if any."""
    schema_name, name = qualified(audit.function)
    if schema_name is not None:
        return (schema_name, name) if (schema_name, name) in schema.functions else None
    in_path = next(((candidate, name) for candidate in schema.search_path
                    if (candidate, name) in schema.functions), None)
    if in_path is not None:
        return in_path
    return schema.function_named(name)


