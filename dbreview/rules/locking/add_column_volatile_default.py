from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast, enums

from dbreview.impact.locks import add_column_rewrite
from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.rules.locking._alter import altered_table
from dbreview.schema.model import Schema
from dbreview.schema.types import type_ref
from dbreview.sql.nodes import Node

_FAST_DEFAULTS_SINCE = 11
# with one of these the column cannot be added empty first and given its default afterwards
_NEEDS_A_VALUE_PER_ROW = {"CONSTR_NOTNULL", "CONSTR_PRIMARY", "CONSTR_IDENTITY",
                          "CONSTR_GENERATED"}


@dataclass(frozen=True, slots=True)
class _Rewriting:
    position: int  # of the ADD COLUMN subcommand
    column: str
    reason: str
    default_movable: bool  # SET DEFAULT after an empty ADD COLUMN avoids the rewrite


def _constraint_types(column: Node) -> list[str]:
    return [item["Constraint"]["contype"] for item in column.get("constraints") or ()]


def _has_non_null_default(column: Node) -> bool:
    for item in column.get("constraints") or ():
        constraint = item["Constraint"]
        if constraint["contype"] == "CONSTR_DEFAULT":
            return not constraint.get("raw_expr", {}).get("A_Const", {}).get("isnull", False)
    return False


def _rewrite_reason(column: Node, schema: Schema, pg_version: int) -> str | None:
    reason = add_column_rewrite(column, schema)
    if reason is None and pg_version < _FAST_DEFAULTS_SINCE and _has_non_null_default(column):
        return f"default, written into each row by PostgreSQL {pg_version}"
    return reason


def _rewritings(node: Node, schema: Schema, pg_version: int) -> list[_Rewriting]:
    found = []
    for position, item in enumerate(node.get("cmds") or ()):
        command = item.get("AlterTableCmd", {})
        if command.get("subtype") != "AT_AddColumn":
            continue
        column = command["def"]["ColumnDef"]
        reason = _rewrite_reason(column, schema, pg_version)
        if reason is None:
            continue
        types = _constraint_types(column)
        movable = ("CONSTR_DEFAULT" in types and not _NEEDS_A_VALUE_PER_ROW.intersection(types)
                   and not type_ref(column["typeName"]).is_serial)
        found.append(_Rewriting(position, column["colname"], reason, movable))
    return found


def _default_of(column: Any) -> Any:
    return next(c for c in column.constraints if c.contype == enums.ConstrType.CONSTR_DEFAULT)


def _without_defaults(found: list[_Rewriting]) -> Callable[[Any], None]:
    def change(statement: Any) -> None:
        for item in found:
            column = statement.cmds[item.position].def_
            default = _default_of(column)
            column.constraints = tuple(c for c in column.constraints if c is not default) or None

    return change


def _setting_defaults(found: list[_Rewriting]) -> Callable[[Any], Any]:
    def change(statement: Any) -> Any:
        statement.cmds = tuple(
            ast.AlterTableCmd(subtype=enums.AlterTableType.AT_ColumnDefault, name=item.column,
                              def_=_default_of(statement.cmds[item.position].def_).raw_expr,
                              behavior=enums.DropBehavior.DROP_RESTRICT)
            for item in found)
        return statement

    return change


def _suggestion(statement_text: str, found: list[_Rewriting]) -> str | None:
    """The columns added empty, then their defaults set (they apply to new rows only)."""
    if not all(item.default_movable for item in found):
        return None
    added = rewrite(statement_text, _without_defaults(found))
    defaults = rewrite(statement_text, _setting_defaults(found))
    if added is None or defaults is None:
        return None
    return f"{added}\n{defaults}\n-- then backfill existing rows in batches"


@rule(
    id="add-column-volatile-default",
    category="locking",
    severity="error",
    summary="ADD COLUMN whose value is computed per row (volatile default, serial, identity, "
    "stored generated)",
    rationale="Since PostgreSQL 11, ADD COLUMN with a constant or stable default (0, 'draft', "
    "now()) only changes the catalog. A volatile default (random(), clock_timestamp(), "
    "gen_random_uuid(), nextval()), a serial or identity column, or a stored generated column "
    "needs a value per row: the table is rewritten under an ACCESS EXCLUSIVE lock, and no read "
    "or write gets through until it ends.",
    remediation="Add the column without the default, then set the default with ALTER COLUMN … "
    "SET DEFAULT (it applies to new rows only) and backfill existing rows in batches",
    bad="ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();",
    good="ALTER TABLE orders ADD COLUMN public_id uuid;\n"
    "ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();\n"
    "-- then backfill existing rows in batches",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    found = _rewritings(context.node, context.schema, context.config.pg_version)
    if not found:
        return
    display = context.display(name)
    added = ", ".join(f"{item.column} ({item.reason})" for item in found)
    yield Hit(
        message=f"ADD COLUMN {added} rewrites existing table {display} under ACCESS EXCLUSIVE: "
        "reads and writes wait until every row is written",
        table=display,
        suggested_sql=_suggestion(context.statement.text, found),
    )


RULE = check
