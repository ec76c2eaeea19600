from __future__ import annotations

from collections.abc import Iterator

from dbreview.config import Config
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.isolation.policy_analysis import COMMANDS, granting_commands
from dbreview.rules.tenancy.generated_sql import enable_rls_sql, policies_sql
from dbreview.rules.tenancy.tenant_tables import (
    TABLE_KINDS,
    TENANT_TABLE_KEYS,
    is_tenant_table,
    tenant_column,
)
from dbreview.schema.model import Schema, Table


@rule(
    id="rls-not-enabled",
    category="isolation",
    severity="error",
    summary="A new tenant table without row level security, or policies on a table whose "
    "RLS is off",
    rationale="Without RLS every role with a grant on the table (on Supabase: anon and "
    "authenticated, through the API) reads and writes every tenant's rows. Policies on a table "
    "whose RLS is off are never applied.",
    remediation="ALTER TABLE … ENABLE ROW LEVEL SECURITY in the changeset that creates the "
    "table, with policies limiting each command to the user's tenant",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);",
    good="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n"
    "ALTER TABLE projects ENABLE ROW LEVEL SECURITY;",
    scope=Scope.CHANGESET,
    config_keys=[*TENANT_TABLE_KEYS, "tenancy.policy_expression"],
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    for table in context.changed_tables():
        if table.kind not in TABLE_KINDS or table.rls_enabled:
            continue
        new_policies = [policy for policy in table.policies.values() if policy.new]
        if table.new and is_tenant_table(table, config):
            yield Hit(
                message=f"new tenant table {table.display} does not enable row level "
                "security: every tenant's rows are open to every role with a grant",
                table=table.display,
                suggested_sql=_secure_sql(table, context.schema, config),
                at=table.origin,
            )
        elif new_policies:
            yield Hit(
                message=f"policy {new_policies[0].name} on {table.display} has no effect: "
                "row level security is not enabled on the table",
                table=table.display,
                suggested_sql=enable_rls_sql(table),
                at=new_policies[0].origin,
            )


def _secure_sql(table: Table, schema: Schema, config: Config) -> str:
    """ENABLE ROW LEVEL SECURITY, and tenant policies for the commands no policy grants."""
    if tenant_column(table, config) is None:
        return enable_rls_sql(table)
    missing = [command for command in COMMANDS
               if command not in granting_commands(table, schema)]
    return "\n".join([enable_rls_sql(table), policies_sql(table, missing, config)]).strip()


RULE = check
