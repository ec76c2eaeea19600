from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.isolation.policy_analysis import policy_table, reads_user_metadata


@rule(
    id="rls-user-metadata",
    category="isolation",
    severity="error",
    summary="A policy that reads user_metadata / raw_user_meta_data",
    rationale="Users can change their own user metadata (supabase.auth.updateUser): a policy "
    "deciding the tenant or the role from it lets anyone put themselves in another tenant.",
    remediation="Read the tenant from app_metadata (raw_app_meta_data), which only the "
    "service role can write, or from a membership table",
    bad="CREATE POLICY projects_select ON projects FOR SELECT TO authenticated USING\n"
    "  (tenant_id = ((select auth.jwt()) -> 'user_metadata' ->> 'tenant_id')::uuid);",
    good="CREATE POLICY projects_select ON projects FOR SELECT TO authenticated USING\n"
    "  (tenant_id = ((select auth.jwt()) -> 'app_metadata' ->> 'tenant_id')::uuid);",
    kinds=["CreatePolicyStmt", "AlterPolicyStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    if not reads_user_metadata([node.get("qual"), node.get("with_check")]):
        return
    table = policy_table(context)
    yield Hit(
        message=f"policy {node['policy_name']} on {table} trusts user metadata, which every "
        "user can edit for themselves",
        table=table,
    )


RULE = check
