"""Fixed versions of the statements isolation rules point at, built on pglast's AST.

Each function takes the statement's own SQL and returns the statement to write instead, or
None when it cannot be rewritten (it does not parse alone).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pglast import ast, enums, parse_sql
from pglast.parser import ParseError
from pglast.visitors import Ancestor, Visitor

from dbreview.rules.fixes import rewrite
from dbreview.rules.isolation.policy_analysis import AUTH_CALLS

_CLAUSE_FIELDS = {"USING": "qual", "WITH CHECK": "with_check"}


def _scalar_subquery(expression: Any) -> ast.SubLink:
    select = ast.SelectStmt(targetList=(ast.ResTarget(val=expression),),
                            limitOption=enums.LimitOption.LIMIT_OPTION_DEFAULT,
                            op=enums.SetOperation.SETOP_NONE)
    return ast.SubLink(subLinkType=enums.SubLinkType.EXPR_SUBLINK, subselect=select)


def _inside_scalar_subquery(ancestors: Ancestor) -> bool:
    current: Ancestor | None = ancestors
    while current is not None:
        node = current.node
        if isinstance(node, ast.SubLink) and node.subLinkType == enums.SubLinkType.EXPR_SUBLINK:
            return True
        current = current.parent
    return False


class _WrapAuthCalls(Visitor):
    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> Any:
        name = ".".join(part.sval for part in node.funcname or ()).lower()
        if name.removeprefix("pg_catalog.") not in AUTH_CALLS:
            return None
        return None if _inside_scalar_subquery(ancestors) else _scalar_subquery(node)


def wrap_auth_calls(sql: str) -> str | None:
    """The policy with every auth helper call evaluated once: `(select auth.uid())`."""
    return rewrite(sql, _WrapAuthCalls())


def _expression(sql: str) -> Any:
    (raw,) = parse_sql(f"SELECT {sql}")
    select: Any = raw.stmt
    return select.targetList[0].val


def _always_true(node: Any) -> bool:
    return (isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean)
            and bool(node.val.boolval))


def scope_policy(sql: str, clauses: list[str], condition: str) -> str | None:
    """The policy with `condition` required by each of `clauses` (USING, WITH CHECK)."""
    try:
        _expression(condition)
    except ParseError:
        return None  # tenancy.policy_expression is not valid SQL

    def change(statement: Any) -> None:
        for clause in clauses:
            field = _CLAUSE_FIELDS[clause]
            current = getattr(statement, field)
            scoped = _expression(condition)
            if current is not None and not _always_true(current):
                scoped = ast.BoolExpr(boolop=enums.BoolExprType.AND_EXPR, args=(current, scoped))
            setattr(statement, field, scoped)

    return rewrite(sql, change)


def set_search_path(sql: str, path: list[str]) -> str | None:
    """The function with `SET search_path = <path>` before its body."""

    def change(statement: Any) -> None:
        setting = ast.VariableSetStmt(kind=enums.VariableSetKind.VAR_SET_VALUE,
                                      name="search_path",
                                      args=tuple(ast.A_Const(val=ast.String(sval=schema))
                                                 for schema in path))
        statement.options = (*(statement.options or ()),
                             ast.DefElem(defname="set", arg=setting))

    return rewrite(sql, change)


def grant_without(sql: str, roles: Collection[str]) -> str | None:
    """The GRANT to its other grantees only (`public` names PUBLIC)."""

    def change(statement: Any) -> None:
        statement.grantees = tuple(
            role for role in statement.grantees
            if ("public" if role.roletype == enums.RoleSpecType.ROLESPEC_PUBLIC
                else role.rolename) not in roles
        )

    return rewrite(sql, change)
