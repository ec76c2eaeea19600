from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.rules.locking._alter import index_table
from dbreview.sql.nodes import Node, display, qname_from_list


def _concurrent_drop(statement_text: str, position: int) -> str | None:
    """DROP INDEX CONCURRENTLY of the statement's index at `position`."""

    def change(node: Any) -> None:
        node.objects = (node.objects[position],)
        node.concurrent = True

    return rewrite(statement_text, change)


def _suggestion(statement_text: str, node: Node) -> str | None:
    """One DROP INDEX CONCURRENTLY per index: CONCURRENTLY drops a single index, no CASCADE."""
    if node.get("behavior") == "DROP_CASCADE":
        return None
    steps = [_concurrent_drop(statement_text, position)
             for position in range(len(node.get("objects") or ()))]
    return "\n".join(step for step in steps if step) if all(steps) else None


@rule(
    id="drop-index-not-concurrent",
    category="locking",
    severity="warning",
    summary="DROP INDEX without CONCURRENTLY",
    rationale="A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop "
    "itself is quick, but it first waits for every running query on the table, and every read "
    "and write that arrives meanwhile queues behind it.",
    remediation="Use DROP INDEX CONCURRENTLY (one index per statement, without CASCADE) in a "
    "migration that runs outside a transaction",
    bad="DROP INDEX orders_customer_idx;",
    good="DROP INDEX CONCURRENTLY orders_customer_idx;",
    kinds=["DropStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
        return
    indexes = [qname_from_list(item["List"]["items"]) for item in node.get("objects") or ()]
    tables = {index: index_table(context, index) for index in indexes}
    # an index the history does not know is assumed to be on a table holding data
    blocking = [index for index, key in tables.items() if key is None or context.is_existing(key)]
    if not blocking:
        return
    key = next((tables[index] for index in blocking if tables[index]), None)
    table = context.display(key) if key else None
    names = ", ".join(display(index) for index in blocking)
    where = f"existing table {table}" if table else "its table"
    yield Hit(
        message=f"DROP INDEX {names} locks {where} ACCESS EXCLUSIVE: reads and writes wait "
        "until the drop ends",
        table=table,
        suggested_sql=_suggestion(context.statement.text, node),
    )


RULE = check
