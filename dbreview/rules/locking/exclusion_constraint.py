from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.locking._alter import altered_table
from dbreview.rules.statements import alter_commands
from dbreview.schema.alter_table import default_name
from dbreview.sql.nodes import Node


def _name(table: str, constraint: Node) -> str:
    if constraint.get("conname"):
        return str(constraint["conname"])
    columns = [element["List"]["items"][0].get("IndexElem", {}).get("name")
               for element in constraint.get("exclusions") or ()]
    return default_name(table, columns, "excl")


@rule(
    id="exclusion-constraint",
    category="locking",
    severity="warning",
    summary="ADD CONSTRAINT … EXCLUDE on an existing table",
    rationale="An exclusion constraint builds its index and checks every existing row while "
    "holding an ACCESS EXCLUSIVE lock, and unlike UNIQUE it cannot adopt an index built "
    "CONCURRENTLY beforehand: every read and write of the table waits for the whole build.",
    remediation="Add exclusion constraints when the table is created, or on a large table in a "
    "maintenance window; enforcing the rule in the application or a trigger avoids the lock",
    bad="ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap\n"
    "  EXCLUDE USING gist (room_id WITH =, during WITH &&);",
    good="CREATE TABLE bookings (\n  room_id bigint, during tstzrange,\n"
    "  EXCLUDE USING gist (room_id WITH =, during WITH &&)\n);",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    added = [command["def"].get("Constraint", {})
             for command in alter_commands(context.node, "AT_AddConstraint")]
    excluded = [constraint for constraint in added if constraint["contype"] == "CONSTR_EXCLUSION"]
    if not excluded:
        return
    display = context.display(name)
    table = context.schema.key(name)[1]
    named = ", ".join(_name(table, constraint) for constraint in excluded)
    yield Hit(
        message=f"exclusion constraint {named} on existing table {display} builds its index "
        "under ACCESS EXCLUSIVE: reads and writes wait until the build ends",
        table=display,
    )


RULE = check
