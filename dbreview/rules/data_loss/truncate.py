from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import relation_name


@rule(
    id="truncate",
    category="data-loss",
    severity="error",
    summary="TRUNCATE of an existing table",
    rationale="TRUNCATE deletes every row at once, without row triggers or a way back, under "
    "an ACCESS EXCLUSIVE lock. In a migration it runs against production data, not the test "
    "rows it was written for.",
    remediation="Delete only the rows that must go with a DELETE … WHERE (in batches on a "
    "large table); if the table really must be emptied, say why in a dbreview:ignore comment",
    bad="TRUNCATE sessions;",
    good="DELETE FROM sessions WHERE expires_at < now() - interval '30 days';",
    kinds=["TruncateStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    for range_var in context.node.get("relations") or ():
        name = relation_name(range_var.get("RangeVar"))
        if context.is_existing(name):
            assert name is not None
            table = context.display(name)
            yield Hit(message=f"TRUNCATE deletes every row of existing table {table}",
                      table=table)


RULE = check
