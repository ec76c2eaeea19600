from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import alter_commands, drop_targets
from dbreview.sql.nodes import display, relation_name

_CASCADE = "DROP_CASCADE"


@rule(
    id="cascade",
    category="data-loss",
    severity="error",
    summary="DROP … CASCADE or TRUNCATE … CASCADE",
    rationale="CASCADE silently extends the statement to every dependent object: views, "
    "foreign keys, triggers and policies that use a dropped function, column defaults, and "
    "for TRUNCATE every table that references the truncated one. Nobody reviewing the "
    "migration sees what goes with it.",
    remediation="Remove CASCADE and drop the dependent objects explicitly, each by name, "
    "before the object itself: without CASCADE PostgreSQL refuses and lists what depends on it",
    bad="DROP FUNCTION set_updated_at() CASCADE;",
    good="DROP TRIGGER orders_updated_at ON orders;\nDROP FUNCTION set_updated_at();",
    kinds=["DropStmt", "TruncateStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    kind = context.statement.kind
    if kind == "AlterTableStmt":
        yield from _alter_table(context)
    elif context.node.get("behavior") == _CASCADE:
        yield _truncate(context) if kind == "TruncateStmt" else _drop(context)


def _truncate(context: StatementContext) -> Hit:
    names = [relation_name(item.get("RangeVar")) for item in context.node.get("relations") or ()]
    tables = [context.display(name) for name in names if name]
    return Hit(message=f"TRUNCATE … CASCADE also empties every table with a foreign key to "
               f"{', '.join(tables)}, and the tables referencing those", table=tables[0])


def _drop(context: StatementContext) -> Hit:
    targets = drop_targets(context.node)
    dropping_tables = context.node.get("removeType") == "OBJECT_TABLE" and targets
    return Hit(message="DROP … CASCADE also drops every object that depends on "
               f"{', '.join(display(name) for name in targets)} (views, foreign keys, "
               "triggers, policies, defaults)",
               table=context.display(targets[0]) if dropping_tables else None)


def _alter_table(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    if name is None:
        return
    table = context.display(name)
    for command in alter_commands(context.node, "AT_DropColumn", "AT_DropConstraint"):
        if command.get("behavior") == _CASCADE:
            what = "column" if command["subtype"] == "AT_DropColumn" else "constraint"
            yield Hit(message=f"DROP {what.upper()} {command['name']} … CASCADE on {table} also "
                      f"drops every object that depends on that {what}", table=table)


RULE = check
