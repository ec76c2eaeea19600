from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from dbreview.rules.audit.canonical import log_setup_sql, trigger_sql
from dbreview.rules.audit.log import (
    TABLE_KINDS,
    is_excluded,
    log_function_key,
    log_table_key,
    log_triggers,
    qualified,
)
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Key, Table
from dbreview.sql.source import Span


@rule(
    id="activity-trigger-missing",
    category="audit",
    severity="warning",
    summary="A new table without the activity-log trigger",
    rationale="Every table writes its inserts, updates and deletes to the one activity log "
    "(E.1): who changed what and when. A table without the trigger changes without a trace, "
    "and the gap is only noticed when someone needs the history.",
    remediation="Attach the log function to the table: CREATE TRIGGER … AFTER INSERT OR UPDATE "
    "OR DELETE ON <table> FOR EACH ROW EXECUTE FUNCTION log_activity(); list tables that must "
    "not be logged under `audit.exclude`",
    bad="CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);",
    good="CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);\n"
    "CREATE TRIGGER invoices_log_activity AFTER INSERT OR UPDATE OR DELETE ON invoices\n"
    "  FOR EACH ROW EXECUTE FUNCTION log_activity();",
    scope=Scope.CHANGESET,
    config_keys=["audit.table", "audit.function", "audit.exclude"],
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    audit = changeset.config.audit
    log_key = log_table_key(changeset.schema, audit)
    existing_function = log_function_key(changeset.schema, audit)
    function = existing_function or _canonical_function(log_key, audit.function)
    attached_dynamically = _attached_dynamically(changeset, function[1])
    unlogged = [table for table in changeset.new_tables()
                if table.kind in TABLE_KINDS and table.key != log_key
                and not is_excluded(table, audit) and not log_triggers(table, audit)
                and _plain_table(changeset, table) and not attached_dynamically(table)]
    for number, table in enumerate(unlogged):
        sql = trigger_sql(table.key, function, changeset.config.pg_version)
        if number == 0 and existing_function is None:
            with_table = log_key not in changeset.schema.tables
            sql = log_setup_sql(log_key, function, with_table=with_table) + "\n" + sql
        yield Hit(message=f"new table {table.display} has no {function[1]}() trigger: its "
                  f"inserts, updates and deletes leave no trace in {log_key[0]}.{log_key[1]}",
                  table=table.display, suggested_sql=sql, at=table.origin)


def _canonical_function(log_key: Key, configured: str) -> Key:
    schema, name = qualified(configured)
    return (schema or log_key[0], name)


def _plain_table(changeset: ChangesetContext, table: Table) -> bool:
    """Partitions get their parent's row triggers; temporary tables vanish with the session."""
    statement = changeset.statement_at(table.origin)
    if statement is None or statement.kind != "CreateStmt":
        return True
    node = statement.node
    return "partbound" not in node and node["relation"].get("relpersistence") != "t"


def _attached_dynamically(changeset: ChangesetContext, function: str
                          ) -> Callable[[Table], bool]:
    """A DO block after a table's creation that names the log function probably attaches it
    with dynamic SQL (a loop over tables), which the model cannot follow: give the table the
    benefit of the doubt."""
    mention = re.compile(rf"\b{re.escape(function)}\b", re.IGNORECASE)
    order: dict[tuple[str, Span], int] = {}
    last_mention = -1
    for position, (file, statement) in enumerate(changeset.statements()):
        order[(file.path, statement.span)] = position
        if statement.kind == "DoStmt" and mention.search(statement.text):
            last_mention = position

    def attached(table: Table) -> bool:
        if table.origin is None:
            return False
        created = order.get((table.origin.path, table.origin.span))
        return created is not None and created < last_mention

    return attached


RULE = check
