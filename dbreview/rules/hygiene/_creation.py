"""What hygiene rules ask about the statements that create objects."""

from __future__ import annotations

from dbreview.sql.nodes import Node, qname_from_list
from dbreview.sql.parse import Statement

# Where each CREATE keeps the RangeVar of what it creates.
_RELATION_PATHS = {
    "CreateStmt": ("relation",),
    "CreateTableAsStmt": ("into", "rel"),
    "ViewStmt": ("view",),
    "CreateSeqStmt": ("sequence",),
}


def _relation(statement: Statement) -> Node | None:
    path = _RELATION_PATHS.get(statement.kind)
    if path is None:
        return None
    found: Node = statement.node
    for key in path:
        found = found.get(key) or {}
    return found


def creates_temporary(statement: Statement) -> bool:
    """A temporary table, view, sequence or function: gone when the session ends."""
    relation = _relation(statement)
    if relation is not None:
        return relation.get("relpersistence") == "t"
    if statement.kind == "CreateFunctionStmt":
        return qname_from_list(statement.node.get("funcname") or [])[0] == "pg_temp"
    return False
