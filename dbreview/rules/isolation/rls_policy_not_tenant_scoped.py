from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.isolation.policy_analysis import (
    applies_to_users,
    constrains_tenant,
    judged_clauses,
)
from dbreview.rules.isolation.statement_fixes import scope_policy
from dbreview.rules.tenancy.generated_sql import tenant_condition
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, is_tenant_table, tenant_column
from dbreview.schema.model import Policy


@rule(
    id="rls-policy-not-tenant-scoped",
    category="isolation",
    severity="error",
    summary="A permissive policy on a tenant table that does not constrain the tenant column",
    rationale="Permissive policies are ORed: one policy that admits rows without comparing the "
    "tenant column with the user's tenant (`true`, `auth.uid() IS NOT NULL`, an INSERT "
    "policy without WITH CHECK) opens every tenant's rows to every signed-in user.",
    remediation="Compare the tenant column with the tenant expression in USING and WITH CHECK: "
    "tenant_id = (select auth.uid())",
    bad="CREATE POLICY projects_read ON projects FOR SELECT TO authenticated\n"
    "  USING ((select auth.uid()) IS NOT NULL);",
    good="CREATE POLICY projects_read ON projects FOR SELECT TO authenticated\n"
    "  USING (tenant_id = (select auth.uid()));",
    scope=Scope.CHANGESET,
    config_keys=[*TENANT_TABLE_KEYS, "tenancy.policy_expression"],
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    column = config.tenancy.column
    for table in context.changed_tables():
        if not is_tenant_table(table, config) or tenant_column(table, config) is None:
            continue
        for policy in table.policies.values():
            if not policy.new or not policy.permissive:
                continue
            if not applies_to_users(policy, context.schema):
                continue
            unscoped = [clause for clause, expression in judged_clauses(policy)
                        if not constrains_tenant(expression, column, table.name)]
            if unscoped:
                yield Hit(
                    message=f"policy {policy.name} on tenant table {table.display}: "
                    f"{_explain(policy, unscoped[0])} does not limit rows to the user's "
                    f"tenant ({column})",
                    table=table.display,
                    suggested_sql=_scoped_sql(context, policy, unscoped),
                    at=policy.origin,
                )


def _explain(policy: Policy, clause: str) -> str:
    missing = (policy.using if clause == "USING" else policy.check) is None
    return f"{policy.command.upper()} policy without {clause}" if missing else clause


def _scoped_sql(context: ChangesetContext, policy: Policy, clauses: list[str]) -> str | None:
    statement = context.statement_at(policy.origin)
    if statement is None:
        return None
    return scope_policy(statement.text, clauses, tenant_condition(context.config))


RULE = check
