from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import relation_name


@rule(
    id="delete-without-where",
    category="data-loss",
    severity="error",
    summary="DELETE without WHERE on an existing table",
    rationale="A DELETE without WHERE removes every row of the table in production, where it "
    "holds far more than the rows the author had in mind, in one long transaction.",
    remediation="Add a WHERE clause that selects exactly the rows to remove (and delete in "
    "batches on a large table); if the table really must be emptied, say why in a "
    "dbreview:ignore comment",
    bad="DELETE FROM notifications;",
    good="DELETE FROM notifications WHERE read_at < now() - interval '90 days';",
    kinds=["DeleteStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    if context.node.get("whereClause") or not context.is_existing(name):
        return
    assert name is not None
    table = context.display(name)
    yield Hit(message=f"DELETE without WHERE removes every row of existing table {table}",
              table=table)


RULE = check
