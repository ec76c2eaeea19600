from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.sql.nodes import relation_name

_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b", re.IGNORECASE)


def _concurrently(node: Any) -> None:
    node.concurrent = True


def _concurrent_sql(sql: str) -> str | None:
    """The statement with CONCURRENTLY, in the author's own layout when it starts plainly
    (and without building pglast's AST, which costs more than the rest of the rule)."""
    written = _CREATE_INDEX.match(sql)
    if written is None:
        return rewrite(sql, _concurrently)
    return f"{sql[:written.end()]} CONCURRENTLY{sql[written.end():]};"


@rule(
    id="index-not-concurrent",
    category="locking",
    severity="error",
    summary="CREATE INDEX without CONCURRENTLY on an existing table",
    rationale="A plain CREATE INDEX holds a SHARE lock for the whole build: every INSERT, "
    "UPDATE and DELETE on the table waits until the index is built, minutes on a large table.",
    remediation="Use CREATE INDEX CONCURRENTLY in a migration that runs outside a transaction",
    bad="CREATE INDEX orders_customer_idx ON orders (customer_id);",
    good="CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
    kinds=["IndexStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    name = relation_name(node["relation"])
    if node.get("concurrent") or not context.is_existing(name):
        return
    assert name is not None
    table = context.display(name)
    yield Hit(
        message=f"CREATE INDEX on existing table {table} blocks writes until the build ends",
        table=table,
        suggested_sql=_concurrent_sql(context.statement.text),
    )


RULE = check
