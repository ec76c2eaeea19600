from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.isolation.policy_analysis import COMMANDS, granting_commands
from dbreview.rules.tenancy.generated_sql import policies_sql
from dbreview.rules.tenancy.tenant_tables import (
    TENANT_TABLE_KEYS,
    new_tenant_tables,
    tenant_column,
)


@rule(
    id="rls-policy-missing",
    category="isolation",
    severity="warning",
    summary="A new tenant table with RLS whose policies do not cover SELECT, INSERT, UPDATE "
    "and DELETE",
    rationale="With RLS on, a command no permissive policy grants is denied to everyone but "
    "the owner: the application fails at run time, and the usual quick fix is a policy "
    "written in a hurry (USING (true)). Writing the four tenant policies with the table "
    "makes the intent explicit.",
    remediation="Create a policy for each missing command, limited to the user's tenant "
    "(FOR ALL covers the four); the finding carries generated SQL",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n"
    "ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\n"
    "CREATE POLICY projects_select ON projects FOR SELECT TO authenticated\n"
    "  USING (tenant_id = (select auth.uid()));",
    good="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n"
    "ALTER TABLE projects ENABLE ROW LEVEL SECURITY;\n"
    "CREATE POLICY projects_tenant ON projects FOR ALL TO authenticated\n"
    "  USING (tenant_id = (select auth.uid())) WITH CHECK (tenant_id = (select auth.uid()));",
    scope=Scope.CHANGESET,
    config_keys=[*TENANT_TABLE_KEYS, "tenancy.policy_expression"],
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    for table in new_tenant_tables(context.schema, config):
        if not table.rls_enabled:
            continue  # rls-not-enabled
        granted = granting_commands(table, context.schema)
        missing = [command for command in COMMANDS if command not in granted]
        if not missing:
            continue
        has_tenant = tenant_column(table, config) is not None
        yield Hit(
            message=f"no policy on tenant table {table.display} grants "
            f"{', '.join(command.upper() for command in missing)}",
            table=table.display,
            suggested_sql=policies_sql(table, missing, config) if has_tenant else None,
            at=table.origin,
        )


RULE = check
