from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import alter_commands
from dbreview.sql.nodes import QName, relation_name


@rule(
    id="drop-column",
    category="data-loss",
    severity="error",
    summary="ALTER TABLE … DROP COLUMN on an existing table",
    rationale="Dropping a column deletes its values for good, and the application version "
    "still running during the deploy selects or inserts it by name and fails.",
    remediation="First deploy code that no longer reads or writes the column (with an ORM, "
    "mark it ignored), keep a copy of the values if they may be needed, then drop it in a "
    "later migration",
    bad="ALTER TABLE orders DROP COLUMN legacy_status;",
    good="-- dbreview:ignore drop-column -- unused since v42, values archived\n"
    "ALTER TABLE orders DROP COLUMN legacy_status;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    if not context.is_existing(name):
        return
    assert name is not None
    table = context.display(name)
    for command in alter_commands(context.node, "AT_DropColumn"):
        if not _computed(context, name, command["name"]):
            yield Hit(message=f"DROP COLUMN {command['name']} deletes its values from existing "
                      f"table {table}", table=table)


def _computed(context: StatementContext, table: QName, column_name: str) -> bool:
    """A generated column's values are recomputed from the others: dropping it loses nothing."""
    known = context.table(table)
    column = known.columns.get(column_name) if known is not None else None
    return column is not None and column.generated


RULE = check
