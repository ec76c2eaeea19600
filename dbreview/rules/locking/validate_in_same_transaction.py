from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.locking._alter import altered_table
from dbreview.rules.statements import alter_commands
from dbreview.schema.model import Constraint, Origin


def _not_valid_add(context: StatementContext, constraint: Constraint | None) -> Origin | None:
    """Where an earlier statement of this file and transaction added `constraint` NOT VALID."""
    if constraint is None or constraint.validated or constraint.origin is None:
        return None
    origin = constraint.origin
    same_transaction = origin.transaction == context.transaction
    return origin if origin.path == context.file.path and same_transaction else None


@rule(
    id="validate-in-same-transaction",
    category="locking",
    severity="warning",
    summary="VALIDATE CONSTRAINT in the same transaction as its NOT VALID add",
    rationale="NOT VALID exists so the long validation scan runs under the weak SHARE UPDATE "
    "EXCLUSIVE lock of VALIDATE CONSTRAINT. In the same transaction, the ADD CONSTRAINT's "
    "stronger lock (SHARE ROW EXCLUSIVE for a foreign key, ACCESS EXCLUSIVE for a CHECK) is "
    "still held until COMMIT, so the scan blocks writes exactly as if NOT VALID were absent.",
    remediation="Move VALIDATE CONSTRAINT to a later migration, or commit between the two "
    "statements",
    bad="ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;",
    good="ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\n"
    "-- in a later migration:\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None or not context.in_transaction:
        return
    table = context.table(name)
    for command in alter_commands(context.node, "AT_ValidateConstraint"):
        constraint_name = command.get("name", "")
        added = _not_valid_add(context, table.constraints.get(constraint_name) if table else None)
        if added is None:
            continue
        display = context.display(name)
        yield Hit(
            message=f"constraint {constraint_name} on existing table {display} is validated in "
            f"the transaction that added it NOT VALID (line {added.span.line}): that lock is "
            "held until COMMIT, so the scan blocks traffic as if NOT VALID were absent",
            table=display,
        )


RULE = check
