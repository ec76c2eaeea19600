from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import NewColumn, describe_columns, retyped


@rule(
    id="prefer-text",
    category="schema-design",
    severity="notice",
    summary="A new varchar(n) or char(n) column",
    rationale="In PostgreSQL text, varchar and varchar(n) are stored the same way and perform "
    "the same; the length limit only makes a later widening necessary, and char(n) pads "
    "values with spaces that then compare and concatenate surprisingly.",
    remediation="Use text, and put a real business limit in a CHECK (length(column) <= n) "
    "constraint, which can be changed without touching the column type",
    bad="CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255));",
    good="CREATE TABLE users (id bigint PRIMARY KEY, email text "
    "CHECK (length(email) <= 320));",
    kinds=["CreateStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    columns = [column for column in context.new_columns()
               if _bounded(column)]
    if columns:
        table = context.display(columns[0].table)
        types = ", ".join(sorted({str(column.type) for column in columns}))
        yield Hit(message=f"new {describe_columns(columns)} on {table}: {types}, use text",
                  table=table, suggested_sql=retyped(context.statement.text, columns, "text"))


def _bounded(column: NewColumn) -> bool:
    # "char" without a length is PostgreSQL's one-byte internal type, not character(1)
    return column.type is not None and column.type.name in ("varchar", "char") and bool(
        column.type.mods)


RULE = check
