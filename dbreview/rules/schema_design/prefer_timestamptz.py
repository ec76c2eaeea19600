from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import describe_columns, retyped


@rule(
    id="prefer-timestamptz",
    category="schema-design",
    severity="warning",
    summary="A new timestamp column without time zone",
    rationale="timestamp without time zone stores a wall-clock reading with no zone: the same "
    "value means different instants to servers, sessions and clients in different zones, and "
    "comparisons with now() shift with the session's TimeZone. timestamptz stores an instant "
    "and costs the same 8 bytes.",
    remediation="Use timestamptz (timestamp with time zone); keep timestamp only for civil "
    "times that are deliberately zone-less, such as a recurring local opening hour",
    bad="CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamp DEFAULT now());",
    good="CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz DEFAULT now());",
    kinds=["CreateStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    columns = [column for column in context.new_columns()
               if column.type is not None and column.type.name == "timestamp"]
    if columns:
        table = context.display(columns[0].table)
        yield Hit(message=f"new {describe_columns(columns)} on {table}: timestamp without time "
                  "zone, use timestamptz", table=table,
                  suggested_sql=retyped(context.statement.text, columns, "timestamptz",
                                        keep_modifiers=True))


RULE = check
