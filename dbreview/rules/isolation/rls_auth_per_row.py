from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.isolation.policy_analysis import policy_table, unwrapped_auth_calls
from dbreview.rules.isolation.statement_fixes import wrap_auth_calls


@rule(
    id="rls-auth-per-row",
    category="isolation",
    severity="warning",
    summary="A policy calling auth.uid(), auth.jwt(), auth.role(), auth.email() or "
    "current_setting() outside (select …)",
    rationale="A bare call is evaluated for every row the query touches; wrapped in a scalar "
    "subquery PostgreSQL evaluates it once per statement (an initPlan). On large tables the "
    "difference is orders of magnitude.",
    remediation="Wrap each call in a scalar subquery: (select auth.uid())",
    bad="CREATE POLICY projects_select ON projects FOR SELECT TO authenticated\n"
    "  USING (tenant_id = auth.uid());",
    good="CREATE POLICY projects_select ON projects FOR SELECT TO authenticated\n"
    "  USING (tenant_id = (select auth.uid()));",
    kinds=["CreatePolicyStmt", "AlterPolicyStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    calls = unwrapped_auth_calls([node.get("qual"), node.get("with_check")])
    if not calls:
        return
    table = policy_table(context)
    yield Hit(
        message=f"policy {node['policy_name']} on {table} calls "
        f"{', '.join(dict.fromkeys(calls))} once per row; wrap it in (select …)",
        table=table,
        suggested_sql=wrap_auth_calls(context.statement.text),
    )


RULE = check
