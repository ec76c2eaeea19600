from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import drop_targets


@rule(
    id="drop-table",
    category="data-loss",
    severity="error",
    summary="DROP TABLE of an existing table",
    rationale="Dropping a table deletes its rows for good, and code that still reads or writes "
    "it fails the moment the migration runs. Only a backup restore brings the data back.",
    remediation="Stop every reader and writer first (deploy the code that no longer uses the "
    "table), keep a copy if the data may be needed (rename it or dump it), then drop it in a "
    "later migration",
    bad="DROP TABLE orders;",
    good="-- dbreview:ignore drop-table -- unused since v42, archived in orders_2024.dump\n"
    "DROP TABLE orders;",
    kinds=["DropStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    if context.node.get("removeType") != "OBJECT_TABLE":
        return
    for name in drop_targets(context.node):
        if context.is_existing(name):
            table = context.display(name)
            yield Hit(message=f"DROP TABLE deletes existing table {table} and all its rows",
                      table=table)


RULE = check
