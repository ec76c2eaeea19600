from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import describe_columns, retyped


@rule(
    id="prefer-jsonb",
    category="schema-design",
    severity="notice",
    summary="A new json column",
    rationale="json stores the text as written and re-parses it on every access; it has no "
    "equality operator, so it cannot be indexed, compared, used in DISTINCT or a unique "
    "constraint. jsonb is parsed once and supports GIN indexes and containment queries.",
    remediation="Use jsonb (keep json only when the exact text, key order or duplicate keys "
    "must be preserved)",
    bad="CREATE TABLE events (id bigint PRIMARY KEY, payload json);",
    good="CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);",
    kinds=["CreateStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    columns = [column for column in context.new_columns()
               if column.type is not None and column.type.name == "json"]
    if columns:
        table = context.display(columns[0].table)
        yield Hit(message=f"new json {describe_columns(columns)} on {table}: use jsonb",
                  table=table, suggested_sql=retyped(context.statement.text, columns, "jsonb"))


RULE = check
