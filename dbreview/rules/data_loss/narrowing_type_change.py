from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import alter_commands
from dbreview.schema.types import narrowing_reason, type_ref
from dbreview.sql.nodes import relation_name


@rule(
    id="narrowing-type-change",
    category="data-loss",
    severity="error",
    summary="ALTER COLUMN … TYPE that can lose or reject existing data",
    rationale="A narrower type cannot hold every value the column holds today: the migration "
    "fails halfway on the first value that does not fit, or silently rounds or truncates "
    "values (fractions, times of day) that nobody can get back.",
    remediation="Check the data first (SELECT the values that would not fit), and keep the "
    "wider type unless the column must shrink; to enforce a limit, add a CHECK constraint "
    "NOT VALID and validate it instead of changing the type",
    bad="-- users.name was text\nALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
    good="ALTER TABLE users ADD CONSTRAINT users_name_length CHECK (length(name) <= 50) "
    "NOT VALID;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    table = context.table(name)
    if table is None or table.new:
        return  # an unknown table's column types are unknown too
    for command in alter_commands(context.node, "AT_AlterColumnType"):
        column = table.columns.get(command["name"])
        if column is None or column.type is None:
            continue
        new_type = type_ref(command["def"]["ColumnDef"]["typeName"])
        reason = narrowing_reason(column.type, new_type)
        if reason is not None:
            yield Hit(message=f"changing {table.display}.{column.name} from {column.type} to "
                      f"{new_type} can lose data: {reason}", table=table.display)


RULE = check
