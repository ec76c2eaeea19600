from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.rules.locking._alter import index_table
from dbreview.schema.model import Key
from dbreview.sql.nodes import Node, def_elems, display, relation_name

_WHAT = {"REINDEX_OBJECT_SCHEMA": "every table of schema", "REINDEX_OBJECT_DATABASE":
         "every table of the database", "REINDEX_OBJECT_SYSTEM": "the system catalogs of"}


def _concurrently(node: Any) -> None:
    node.params = (*(node.params or ()), ast.DefElem(defname="concurrently"))


def _table(context: StatementContext, node: Node) -> Key | None:
    name = relation_name(node.get("relation"))
    if name is None:
        return None
    if node.get("kind") == "REINDEX_OBJECT_INDEX":
        return index_table(context, name)
    return context.schema.key(name)


def _subject(node: Node, table: str | None) -> str:
    """What the statement rebuilds, as the message names it."""
    kind = node.get("kind", "")
    if kind in _WHAT:
        return f"{_WHAT[kind]} {node.get('name', '')}".rstrip()
    if kind == "REINDEX_OBJECT_TABLE":
        return f"existing table {table}"
    index = display(relation_name(node.get("relation")) or (None, ""))
    return f"index {index} on existing table {table}" if table else f"index {index}"


@rule(
    id="reindex-not-concurrent",
    category="locking",
    severity="warning",
    summary="REINDEX without CONCURRENTLY",
    rationale="A plain REINDEX holds a SHARE lock on the table for the whole rebuild, so every "
    "INSERT, UPDATE and DELETE waits, and an ACCESS EXCLUSIVE lock on each index while it is "
    "rebuilt. Planning any query on the table opens all its indexes, so reads wait too.",
    remediation="Use REINDEX (CONCURRENTLY) (PostgreSQL 12 or later) in a migration that runs "
    "outside a transaction",
    bad="REINDEX INDEX orders_customer_idx;",
    good="REINDEX INDEX CONCURRENTLY orders_customer_idx;",
    kinds=["ReindexStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    if "concurrently" in def_elems(node.get("params")):
        return
    key = _table(context, node)
    if key is not None and not context.is_existing(key):
        return
    table = context.display(key) if key else None
    concurrent = node.get("kind") != "REINDEX_OBJECT_SYSTEM" and context.config.pg_version >= 12
    yield Hit(
        message=f"REINDEX of {_subject(node, table)} blocks reads and writes (planning a "
        "query opens every index of its table) until the rebuild ends",
        table=table,
        suggested_sql=rewrite(context.statement.text, _concurrently) if concurrent else None,
    )


RULE = check
