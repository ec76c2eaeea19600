from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast.enums import ConstrType

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import sql_name
from dbreview.rules.statements import NewColumn, rewrite_new_columns
from dbreview.sql.identifiers import truncated
from dbreview.sql.nodes import QName, relation_name

# Constraints that fill the column for existing rows, so NOT NULL holds from the start.
_FILLED = ("CONSTR_IDENTITY", "CONSTR_GENERATED")


@rule(
    id="add-required-column",
    category="backfill",
    severity="error",
    summary="ADD COLUMN … NOT NULL without a default on an existing table",
    rationale="Existing rows get NULL in the new column, so the statement fails on any table "
    "that has rows; and once it is in, the running application's INSERTs, which do not know "
    "the column, fail too.",
    remediation="Add the column nullable, backfill it in batches, then enforce NOT NULL with a "
    "CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, and SET NOT NULL. When one "
    "value suits every existing row, ADD COLUMN … NOT NULL DEFAULT <value> does it in one "
    "step (instant for a constant default on PostgreSQL 11+)",
    bad="ALTER TABLE orders ADD COLUMN status text NOT NULL;",
    good="ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    if not context.is_existing(name):
        return
    assert name is not None
    table = context.display(name)
    required = [column.name for column in context.new_columns()
                if _required_without_value(column)]
    if required:
        yield Hit(message=f"ADD COLUMN {', '.join(required)} NOT NULL without a default fails "
                  f"on existing table {table} as soon as it has a row", table=table,
                  suggested_sql=_nullable_then_enforced(context.statement.text, name, required))


def _required_without_value(column: NewColumn) -> bool:
    if not column.constraints("CONSTR_NOTNULL") or column.constraints(*_FILLED):
        return False
    if column.type is not None and column.type.is_serial:
        return False
    defaults = column.constraints("CONSTR_DEFAULT")
    return not defaults or _is_null(defaults[0].get("raw_expr"))


def _is_null(expression: Any) -> bool:
    return bool(isinstance(expression, dict) and expression.get("A_Const", {}).get("isnull"))


def _nullable_then_enforced(sql: str, table: QName, columns: list[str]) -> str | None:
    """The statement with the columns nullable, then the steps that make them NOT NULL safely."""
    nullable = rewrite_new_columns(sql, dict.fromkeys(columns, _drop_not_null))
    if nullable is None:
        return None
    alter = f"ALTER TABLE {sql_name(table)}"
    checks = {column: sql_name(truncated(f"{table[1]}_{column}_not_null")) for column in columns}
    return "\n".join([
        nullable,
        f"-- backfill {', '.join(columns)} in batches; then, in a later migration:",
        *(f"{alter} ADD CONSTRAINT {check} CHECK ({sql_name(column)} IS NOT NULL) NOT VALID;"
          for column, check in checks.items()),
        "-- in its own transaction (validating does not block writes):",
        *(f"{alter} VALIDATE CONSTRAINT {check};" for check in checks.values()),
        "-- the validated CHECKs let SET NOT NULL skip its full-table scan:",
        *(f"{alter} ALTER COLUMN {sql_name(column)} SET NOT NULL;" for column in checks),
        *(f"{alter} DROP CONSTRAINT {check};" for check in checks.values()),
    ])


def _drop_not_null(column: Any) -> None:
    column.constraints = tuple(
        constraint for constraint in column.constraints or ()
        if constraint.contype != ConstrType.CONSTR_NOTNULL
    ) or None


RULE = check
