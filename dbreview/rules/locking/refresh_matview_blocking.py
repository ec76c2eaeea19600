from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.rules.locking._alter import existing_relation
from dbreview.schema.model import Table


def _concurrently(node: Any) -> None:
    node.concurrent = True


def _lacks_unique_index(view: Table | None) -> bool:
    """CONCURRENTLY needs a unique index on plain columns of the view (unknown views may have
    one)."""
    if view is None:
        return False
    return not any(index.unique and not index.partial and None not in index.columns
                   for index in view.indexes.values())


@rule(
    id="refresh-matview-blocking",
    category="locking",
    severity="warning",
    summary="REFRESH MATERIALIZED VIEW without CONCURRENTLY",
    rationale="A plain REFRESH MATERIALIZED VIEW holds an ACCESS EXCLUSIVE lock on the view "
    "while it reruns the whole query: every read of the view waits until the refresh ends. "
    "REFRESH … CONCURRENTLY builds the new contents aside and lets reads continue.",
    remediation="Use REFRESH MATERIALIZED VIEW CONCURRENTLY; it needs a unique index on "
    "columns of the view (no WHERE, no expressions), so create one first if the view has none",
    bad="REFRESH MATERIALIZED VIEW order_totals;",
    good="CREATE UNIQUE INDEX CONCURRENTLY order_totals_customer_key\n"
    "  ON order_totals (customer_id);\n"
    "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;",
    kinds=["RefreshMatViewStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    name = existing_relation(context)
    # WITH NO DATA only empties the view, and cannot be concurrent
    if name is None or node.get("concurrent") or node.get("skipData"):
        return
    view = context.display(name)
    needs_index = _lacks_unique_index(context.table(name))
    extra = "; it has no unique index, which CONCURRENTLY requires" if needs_index else ""
    yield Hit(
        message=f"REFRESH MATERIALIZED VIEW {view} blocks every read of the view until its "
        f"query has rerun{extra}",
        table=view,
        suggested_sql=None if needs_index else rewrite(context.statement.text, _concurrently),
    )


RULE = check
