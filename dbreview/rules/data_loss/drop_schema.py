from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import drop_targets


@rule(
    id="drop-schema",
    category="data-loss",
    severity="error",
    summary="DROP SCHEMA or DROP DATABASE",
    rationale="Dropping a schema or a database deletes every table, row and function in it at "
    "once; a migration that does this by mistake takes the whole application down.",
    remediation="Drop the objects that must go one by one, after the code that used them is "
    "gone; a schema or database that really must go is dropped by hand, not by a migration",
    bad="DROP SCHEMA billing CASCADE;",
    good="-- dbreview:ignore drop-schema -- importer has been empty since v12\n"
    "DROP SCHEMA importer;  -- without CASCADE: fails if anything is left in it",
    kinds=["DropStmt", "DropdbStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    if context.statement.kind == "DropdbStmt":
        yield Hit(message=f"DROP DATABASE deletes database {context.node['dbname']} and "
                  "everything in it")
    elif context.node.get("removeType") == "OBJECT_SCHEMA":
        cascade = context.node.get("behavior") == "DROP_CASCADE"
        contents = " and every object in it" if cascade else ""
        for _, schema in drop_targets(context.node):
            yield Hit(message=f"DROP SCHEMA drops schema {schema}{contents}")


RULE = check
