"""Reading row level security policies on their parse trees, never on their text.

A policy's USING and WITH CHECK expressions are libpg_query JSON nodes. The questions the
isolation rules ask of them: which commands and roles a policy covers, whether an expression
constrains the tenant column to something that depends on the signed-in user, whether it calls
an auth helper per row, and whether it reads metadata the user can edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from dbreview.rules.base import StatementContext
from dbreview.schema.model import Policy, Schema, Table
from dbreview.sql.nodes import (
    Node,
    constant,
    function_name,
    names,
    option_value,
    relation_name,
    truthy,
    walk,
)

COMMANDS = ("select", "insert", "update", "delete")
# Supabase's helpers and current_setting() are STABLE functions: called once per row, unless
# wrapped in (select …), which the planner evaluates once per statement (an initPlan).
AUTH_CALLS = frozenset({"auth.uid", "auth.jwt", "auth.role", "auth.email", "current_setting"})
# Roles that bypass row level security: a policy only for them is never evaluated.
BYPASS_ROLES = frozenset({"service_role", "postgres", "supabase_admin"})
_USER_EDITABLE = re.compile(r"\b(?:user_metadata|raw_user_meta_data)\b")
# Nodes whose value depends on who runs the query: a tenant column compared to one of them is
# scoped; compared to a constant or another column it is not.
_SESSION_NODES = frozenset({"FuncCall", "SQLValueFunction"})


def policy_table(context: StatementContext) -> str:
    """The table of a CREATE / ALTER POLICY statement, as `schema.table`."""
    return context.display(relation_name(context.node["table"]) or (None, ""))


def covered_commands(policy: Policy) -> set[str]:
    return set(COMMANDS) if policy.command == "all" else {policy.command}


def applies_to_users(policy: Policy, schema: Schema) -> bool:
    """False for a policy that only names roles which bypass RLS anyway."""
    return any(role not in BYPASS_ROLES and not _bypasses(role, schema) for role in policy.roles)


def _bypasses(role: str, schema: Schema) -> bool:
    known = schema.roles.get(role)
    return known is not None and any(truthy(option_value(known.options[option]))
                                     for option in ("bypassrls", "superuser")
                                     if option in known.options)


def granting_commands(table: Table, schema: Schema) -> set[str]:
    """The commands some permissive policy lets ordinary users run."""
    covered: set[str] = set()
    for policy in table.policies.values():
        if policy.permissive and applies_to_users(policy, schema):
            covered |= covered_commands(policy)
    return covered


def judged_clauses(policy: Policy) -> list[tuple[str, Node | None]]:
    """The expressions PostgreSQL applies for the policy's command; None means no filter.

    UPDATE and ALL policies without WITH CHECK reuse USING for new rows.
    """
    using = ("USING", policy.using)
    check = ("WITH CHECK", policy.check)
    if policy.command in ("select", "delete"):
        return [using]
    if policy.command == "insert":
        return [check]
    return [using, check] if policy.check is not None else [using]


def constrains_tenant(expression: Node | None, column: str, table: str) -> bool:
    """Whether every row the expression admits has `column` tied to the current user.

    AND needs one scoped operand, OR needs all of them; comparisons, IN/ANY (list or
    subquery), a correlated EXISTS and a function given the column count as constraints.
    """
    if not expression:
        return False
    ((kind, fields),) = expression.items()
    if kind == "BoolExpr":
        checks = [constrains_tenant(arg, column, table) for arg in fields.get("args") or ()]
        operator = fields.get("boolop")
        return any(checks) if operator == "AND_EXPR" else operator == "OR_EXPR" and all(checks)
    if kind == "A_Expr":
        return _comparison_scoped(fields, column, table)
    if kind == "SubLink":
        return _subquery_scoped(fields, column, table)
    if kind == "FuncCall":
        return any(_is_column(arg, column, table) for arg in fields.get("args") or ())
    return False


def _comparison_scoped(fields: Node, column: str, table: str) -> bool:
    operator = names(fields.get("name"))
    if operator != ["="] or fields.get("kind") not in (
        "AEXPR_OP", "AEXPR_NOT_DISTINCT", "AEXPR_OP_ANY", "AEXPR_IN"
    ):
        return False
    left, right = fields.get("lexpr"), fields.get("rexpr")
    if fields["kind"] in ("AEXPR_OP_ANY", "AEXPR_IN"):
        return _is_column(left, column, table) and _depends_on_session(right)
    return any(_is_column(one, column, table) and _depends_on_session(other)
               for one, other in ((left, right), (right, left)))


def _subquery_scoped(fields: Node, column: str, table: str) -> bool:
    subquery = fields.get("subselect")
    kind = fields.get("subLinkType")
    if kind == "ANY_SUBLINK" and names(fields.get("operName")) in ([], ["="]):
        return _is_column(fields.get("testexpr"), column, table) and _depends_on_session(subquery)
    if kind == "EXISTS_SUBLINK":
        correlated = any(_is_column({"ColumnRef": ref}, column, table, qualified=True)
                         for node_kind, ref in walk(subquery) if node_kind == "ColumnRef")
        return correlated and _depends_on_session(subquery)
    return False


def _is_column(node: Any, column: str, table: str, *, qualified: bool = False) -> bool:
    """A reference to the policy table's column, through casts (`tenant_id::text`)."""
    while isinstance(node, dict) and "TypeCast" in node:
        node = node["TypeCast"].get("arg")
    if not isinstance(node, dict) or "ColumnRef" not in node:
        return False
    parts = names(node["ColumnRef"].get("fields"))
    if not parts or parts[-1] != column:
        return False
    return parts[-2] == table if len(parts) > 1 else not qualified


def _depends_on_session(node: Any) -> bool:
    return any(kind in _SESSION_NODES for kind, _ in walk(node))


def unwrapped_auth_calls(expressions: Iterable[Node | None]) -> list[str]:
    """Auth helper calls (`auth.uid()`) not inside a scalar subquery, in order."""
    found: list[str] = []
    for expression in expressions:
        found.extend(_calls(expression, wrapped=False))
    return found


def _calls(node: Any, *, wrapped: bool) -> Iterator[str]:
    # An explicit stack, not recursion: one generator per node made this the costliest check
    # on a migration with thousands of policies. Exact types, as in `walk`.
    stack: list[tuple[Any, bool]] = [(node, wrapped)]
    while stack:
        current, inside = stack.pop()
        if type(current) is list:
            stack.extend([(item, inside) for item in reversed(current)])
            continue
        if type(current) is not dict:
            continue
        children: list[tuple[Any, bool]] = []
        for key, value in current.items():
            if type(value) is dict:
                if key == "FuncCall" and not inside and auth_call_name(value) in AUTH_CALLS:
                    yield f"{auth_call_name(value)}()"
                scalar = key == "SubLink" and value.get("subLinkType") == "EXPR_SUBLINK"
                children.append((value, inside or scalar))
            elif type(value) is list:
                children.append((value, inside))
        stack.extend(reversed(children))


def auth_call_name(call: Node) -> str:
    return function_name(call).removeprefix("pg_catalog.")


def reads_user_metadata(expressions: Iterable[Node | None]) -> bool:
    """A JSON key or column of the metadata users can change about themselves."""
    for kind, fields in walk(list(expressions)):
        if kind == "String":
            text = fields.get("sval")
        elif kind == "A_Const":
            text = constant({kind: fields})
        else:
            continue
        if isinstance(text, str) and _USER_EDITABLE.search(text):
            return True
    return False
