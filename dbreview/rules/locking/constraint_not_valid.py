"""constraint-not-valid.

`ADD COLUMN … REFERENCES` fires only when PostgreSQL checks it: transformAlterTableStmt
(parse_utilcmd.c) skips the check of every column foreign key of the statement, as the new
columns hold only NULL, unless one of its new columns has a default (or is serial or generated)
or the statement also adds a table-level FOREIGN KEY. When skipped, NOT VALID would change
nothing: the brief SHARE ROW EXCLUSIVE lock on the referenced table is the same either way, and
missing-lock-timeout covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast, enums

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite, sql_name
from dbreview.rules.locking._alter import altered_table, in_two_migrations
from dbreview.rules.statements import alter_commands
from dbreview.schema.alter_table import default_name
from dbreview.schema.types import type_ref
from dbreview.sql.nodes import Node, column_refs, names

_VALIDATED_KINDS = {"CONSTR_FOREIGN": "foreign key", "CONSTR_CHECK": "check constraint"}


@dataclass(frozen=True, slots=True)
class _Unvalidated:
    """A constraint the statement validates against every existing row."""

    name: str
    kind: str
    position: int  # of its ALTER TABLE subcommand
    column_constraint: int | None = None  # ADD COLUMN … REFERENCES: its place in the column


def _constraint_name(table: str, constraint: Node, columns: tuple[str, ...] = ()) -> str:
    if constraint.get("conname"):
        return str(constraint["conname"])
    if constraint["contype"] == "CONSTR_FOREIGN":
        return default_name(table, names(constraint.get("fk_attrs")) or columns, "fkey")
    # PostgreSQL names an unnamed CHECK after its column when it reads exactly one
    referenced = set(column_refs(constraint.get("raw_expr")))
    return default_name(table, referenced if len(referenced) == 1 else (), "check")


def _has_default(column: Node) -> bool:
    constraints = [item["Constraint"]["contype"] for item in column.get("constraints") or ()]
    with_value = "CONSTR_DEFAULT" in constraints or "CONSTR_GENERATED" in constraints
    return with_value or type_ref(column["typeName"]).is_serial


def _checks_column_keys(node: Node) -> bool:
    """Whether PostgreSQL checks the statement's ADD COLUMN … REFERENCES against every row."""
    for command in alter_commands(node, "AT_AddColumn", "AT_AddConstraint"):
        definition = command.get("def") or {}
        if "ColumnDef" in definition and _has_default(definition["ColumnDef"]):
            return True
        if definition.get("Constraint", {}).get("contype") == "CONSTR_FOREIGN":
            return True
    return False


def _unvalidated(node: Node, table: str) -> list[_Unvalidated]:
    found = []
    column_keys_checked = _checks_column_keys(node)
    for position, item in enumerate(node.get("cmds") or ()):
        command = item.get("AlterTableCmd", {})
        definition = command.get("def") or {}
        if command.get("subtype") == "AT_AddConstraint":
            constraint = definition.get("Constraint", {})
            kind = _VALIDATED_KINDS.get(constraint.get("contype", ""))
            if kind and not constraint.get("skip_validation"):
                found.append(_Unvalidated(_constraint_name(table, constraint), kind, position))
        elif command.get("subtype") == "AT_AddColumn" and column_keys_checked:
            column = definition["ColumnDef"]
            for place, entry in enumerate(column.get("constraints") or ()):
                if entry["Constraint"]["contype"] == "CONSTR_FOREIGN":
                    name = _constraint_name(table, entry["Constraint"], (column["colname"],))
                    found.append(_Unvalidated(name, "foreign key", position, place))
    return found


def _mark_not_valid(constraint: Any, name: str) -> Any:
    constraint.conname = name
    constraint.skip_validation = True
    constraint.initially_valid = False
    return constraint


def _adding_not_valid(found: list[_Unvalidated]) -> Callable[[Any], None]:
    """A change for `rewrite`: every validated constraint added NOT VALID, column foreign keys
    moved to ADD CONSTRAINT (a column constraint cannot say NOT VALID)."""

    def change(statement: Any) -> None:
        extra: list[Any] = []
        moved: set[int] = set()  # ids of the column constraints turned into ADD CONSTRAINT
        for item in found:
            command = statement.cmds[item.position]
            if item.column_constraint is None:
                _mark_not_valid(command.def_, item.name)
                continue
            foreign = command.def_.constraints[item.column_constraint]
            moved.add(id(foreign))
            foreign.fk_attrs = (ast.String(sval=command.def_.colname),)
            extra.append(ast.AlterTableCmd(subtype=enums.AlterTableType.AT_AddConstraint,
                                           def_=_mark_not_valid(foreign, item.name),
                                           behavior=enums.DropBehavior.DROP_RESTRICT))
        for command in statement.cmds:
            if isinstance(command.def_, ast.ColumnDef) and command.def_.constraints:
                kept = tuple(c for c in command.def_.constraints if id(c) not in moved)
                command.def_.constraints = kept or None
        statement.cmds = (*statement.cmds, *extra)

    return change


@rule(
    id="constraint-not-valid",
    category="locking",
    severity="error",
    summary="FOREIGN KEY or CHECK added to an existing table without NOT VALID",
    rationale="Adding a foreign key or a CHECK constraint checks every existing row while the "
    "ALTER TABLE holds its lock: SHARE ROW EXCLUSIVE on both tables for a foreign key (writes "
    "wait), ACCESS EXCLUSIVE for a CHECK (reads and writes wait), for the whole scan. Added NOT "
    "VALID, the constraint applies to new rows at once, and VALIDATE CONSTRAINT later checks the "
    "old rows under a SHARE UPDATE EXCLUSIVE lock that blocks neither reads nor writes. "
    "ADD COLUMN … REFERENCES counts only when PostgreSQL checks it: when a new column of the "
    "statement has a default, or the statement also adds a FOREIGN KEY; otherwise the new "
    "columns hold only NULL and the check is skipped.",
    remediation="Add the constraint NOT VALID, then run ALTER TABLE … VALIDATE CONSTRAINT in a "
    "later migration (its own transaction)",
    bad="ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey\n"
    "  FOREIGN KEY (customer_id) REFERENCES customers (id);",
    good="ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey\n"
    "  FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"
    "-- in a later migration:\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    found = _unvalidated(context.node, context.schema.key(name)[1])
    if not found:
        return
    table = context.display(name)
    lock = context.impact.strongest
    held = f" while holding {lock.mode.label}: {lock.mode.blocks} wait" if lock else ""
    described = ", ".join(f"{item.kind} {item.name}" for item in found)
    added = rewrite(context.statement.text, _adding_not_valid(found))
    validations = [f"ALTER TABLE {sql_name(name)} VALIDATE CONSTRAINT {sql_name(item.name)};"
                   for item in found]
    yield Hit(
        message=f"{described} on existing table {table} is checked against every row{held} "
        "until the scan ends",
        table=table,
        suggested_sql=in_two_migrations([added], validations) if added else None,
    )


RULE = check
