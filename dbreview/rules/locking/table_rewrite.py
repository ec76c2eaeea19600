from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.statements import alter_commands
from dbreview.sql.nodes import Node, QName, def_elems, relation_name

_ALTER_REWRITES = {"AT_SetLogged": "SET LOGGED", "AT_SetUnLogged": "SET UNLOGGED",
                   "AT_SetAccessMethod": "SET ACCESS METHOD", "AT_SetTableSpace": "SET TABLESPACE"}
_REWRITTEN_BY_ALTER = ("OBJECT_TABLE", "OBJECT_MATVIEW")
_EVERY_TABLE = {"VACUUM FULL": "every table of the database",
                "CLUSTER": "every table clustered before"}


def _rewrite(kind: str, node: Node) -> tuple[str, list[QName | None]] | None:
    """The rewriting operation and the tables it rewrites (None: every table it applies to)."""
    if kind == "VacuumStmt" and "full" in def_elems(node.get("options")):
        relations = [relation_name(item["VacuumRelation"].get("relation"))
                     for item in node.get("rels") or ()]
        return "VACUUM FULL", relations or [None]
    if kind == "ClusterStmt":
        return "CLUSTER", [relation_name(node.get("relation"))]
    if kind == "AlterTableStmt" and node.get("objtype") in _REWRITTEN_BY_ALTER:
        operations = [_ALTER_REWRITES[command["subtype"]]
                      for command in alter_commands(node, *_ALTER_REWRITES)]
        if operations:
            return ", ".join(operations), [relation_name(node.get("relation"))]
    return None


@rule(
    id="table-rewrite",
    category="locking",
    severity="warning",
    summary="VACUUM FULL, CLUSTER, SET LOGGED/UNLOGGED, SET ACCESS METHOD or SET TABLESPACE on "
    "an existing table",
    rationale="These commands copy the whole table (and rebuild its indexes) while holding an "
    "ACCESS EXCLUSIVE lock: no read or write gets through until the copy ends, minutes to hours "
    "on a large table.",
    remediation="Run it in a maintenance window, outside the migrations; to reclaim space "
    "without blocking use pg_repack or pg_squeeze",
    bad="VACUUM FULL orders;",
    good="VACUUM orders;  -- frees space for reuse without blocking; pg_repack compacts online",
    kinds=["VacuumStmt", "ClusterStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    found = _rewrite(context.statement.kind, context.node)
    if found is None:
        return
    operation, relations = found
    if context.statement.kind == "AlterTableStmt" and not any(
            lock.rewrite for lock in context.impact.locks):
        return  # SET LOGGED on a logged table, the access method it already has: no-ops
    existing = [name for name in relations if name is None or context.is_existing(name)]
    if not existing:
        return
    tables = [context.display(name) for name in existing if name is not None]
    noun = "tables" if len(tables) > 1 else "table"
    target = f"existing {noun} {', '.join(tables)}" if tables else _EVERY_TABLE[operation]
    yield Hit(
        message=f"{operation} rewrites {target} under ACCESS EXCLUSIVE: reads and writes wait "
        "until the rewrite ends",
        table=tables[0] if tables else None,
    )


RULE = check
