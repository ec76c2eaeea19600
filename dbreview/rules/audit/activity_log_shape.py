from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.audit.canonical import LOG_COLUMNS, name
from dbreview.rules.audit.log import log_table_key
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.statements import alter_commands
from dbreview.schema.model import Column, Key, Origin
from dbreview.sql.nodes import Node, relation_name

# E.1: the types each column may have.
EXPECTED_TYPES = {
    "id": ("uuid",), "table_name": ("text",), "record_id": ("uuid", "bigint"),
    "action": ("text",), "old_data": ("jsonb",), "new_data": ("jsonb",), "actor_id": ("uuid",),
    "created_at": ("timestamptz",),
}
_NEEDS_DEFAULT = ("id", "created_at")  # the log function leaves them to the table
_ALTER_KINDS = ("AlterTableStmt", "RenameStmt")


@rule(
    id="activity-log-shape",
    category="audit",
    severity="error",
    summary="The activity-log table lacks a column of E.1 or has another type",
    rationale="The generic log function writes the same columns for every table: a missing "
    "or retyped column makes every logged INSERT, UPDATE and DELETE fail, on every table.",
    remediation="Keep the activity log as E.1 defines it: id uuid default gen_random_uuid(), "
    "table_name text, record_id uuid or bigint, action text, old_data jsonb, new_data jsonb, "
    "actor_id uuid (nullable), created_at timestamptz default now()",
    bad="CREATE TABLE activity_log (id bigserial PRIMARY KEY, table_name text, action text);",
    good="CREATE TABLE activity_log (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
    "  table_name text NOT NULL, record_id uuid, action text NOT NULL, old_data jsonb,\n"
    "  new_data jsonb, actor_id uuid, created_at timestamptz NOT NULL DEFAULT now());",
    scope=Scope.CHANGESET,
    config_keys=["audit.table"],
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    key = log_table_key(changeset.schema, changeset.config.audit)
    table = changeset.schema.tables.get(key)
    if table is None or not (table.new or table.altered):
        return
    if table.new:
        judged, at = set(EXPECTED_TYPES), table.origin
    else:
        judged, at = _altered_columns(changeset, key)
    problems = [problem for column in EXPECTED_TYPES if column in judged
                for problem in _problems(column, table.columns.get(column))]
    if not problems or at is None:
        return
    missing = [column for column in EXPECTED_TYPES
               if column in judged and column not in table.columns]
    additions = ", ".join(f"ADD COLUMN {column} {LOG_COLUMNS[column]}" for column in missing)
    yield Hit(message=f"activity log {table.display} does not match E.1: {'; '.join(problems)}",
              table=table.display, at=at,
              suggested_sql=f"ALTER TABLE {name(key)} {additions};" if missing else None)


def _problems(column: str, found: Column | None) -> Iterator[str]:
    if found is None:
        yield f"no {column} column"
        return
    expected = EXPECTED_TYPES[column]
    if found.type is not None and (found.type.array or found.type.name not in expected):
        yield f"{column} is {found.type}, not {' or '.join(expected)}"
    elif column in _NEEDS_DEFAULT and found.default is None and not found.identity:
        yield f"{column} has no default"
    if column == "actor_id" and found.not_null:
        yield "actor_id is NOT NULL, so changes made without a signed-in user cannot be logged"


def _altered_columns(changeset: ChangesetContext, key: Key) -> tuple[set[str], Origin | None]:
    """The columns the changeset's ALTER statements touch on the log, and the last of them."""
    touched: set[str] = set()
    last: Origin | None = None
    for file, statement in changeset.statements():
        if statement.kind not in _ALTER_KINDS:
            continue
        target = relation_name(statement.node.get("relation"))
        if target is None or changeset.schema.key(target) != key:
            continue
        columns = _columns_of(statement.kind, statement.node)
        if columns & set(EXPECTED_TYPES):
            touched |= columns
            last = file.origin(statement)
    return touched, last


def _columns_of(kind: str, node: Node) -> set[str]:
    if kind == "RenameStmt":
        if node.get("renameType") != "OBJECT_COLUMN":
            return set()
        return {str(node.get("subname", "")), str(node.get("newname", ""))}
    columns = set()
    for command in alter_commands(node):
        definition = command.get("def", {}).get("ColumnDef", {})
        columns.add(command.get("name") or definition.get("colname", ""))
    return columns


RULE = check
