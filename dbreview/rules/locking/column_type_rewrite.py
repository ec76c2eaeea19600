from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.locks import type_change_rewrites
from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.locking._alter import altered_table
from dbreview.rules.statements import alter_commands
from dbreview.schema.model import Table
from dbreview.schema.types import type_ref
from dbreview.sql.nodes import Node


def _change(command: Node, table: Table | None) -> str:
    """`column old → new`, as the message shows it."""
    column = command.get("name", "")
    known = table.columns.get(column) if table else None
    old = str(known.type) if known and known.type else "its current type"
    new = str(type_ref(command["def"]["ColumnDef"]["typeName"]))
    using = " USING …" if command["def"]["ColumnDef"].get("raw_default") else ""
    return f"{column} from {old} to {new}{using}"


@rule(
    id="column-type-rewrite",
    category="locking",
    severity="error",
    summary="ALTER COLUMN … TYPE that rewrites an existing table",
    rationale="Changing a column's type rewrites every row and rebuilds every index of the "
    "table while holding an ACCESS EXCLUSIVE lock: no read or write gets through until it ends. "
    "Binary-coercible changes (varchar(n) to text or to a longer varchar, numeric(p,s) to "
    "numeric) only touch the catalog.",
    remediation="Add a column of the new type, backfill it in batches, move reads and writes to "
    "it, then drop the old column; for text, widen to text or a longer varchar instead (no "
    "rewrite)",
    bad="ALTER TABLE orders ALTER COLUMN total TYPE bigint;",
    good="ALTER TABLE orders ALTER COLUMN note TYPE text;  -- was varchar(200): no rewrite",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    table = context.table(name)
    changes = [_change(command, table)
               for command in alter_commands(context.node, "AT_AlterColumnType")
               if type_change_rewrites(command, table)]
    if not changes:
        return
    display = context.display(name)
    yield Hit(
        message=f"changing {', '.join(changes)} rewrites existing table {display} under "
        "ACCESS EXCLUSIVE: reads and writes wait until the rewrite and its index rebuilds end",
        table=display,
    )


RULE = check
