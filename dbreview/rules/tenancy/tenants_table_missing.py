from __future__ import annotations

import re
from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.tenant_tables import (
    TENANT_TABLE_KEYS,
    new_tenant_tables,
    tenant_column,
    tenants_table,
)
from dbreview.schema.model import Table

# What the tenants table must keep, and the column names that count for each (whole words
# of the snake_case name: `plan_id`, `billing_status`, `seat_limit`, `max_projects`).
REQUIRED = {
    "plan": re.compile(r"(^|_)plans?(_|$)"),
    "billing status": re.compile(r"(^|_)billing(_|$)|(^|_)subscription_status$"),
    "limits": re.compile(r"(^|_)(limits?|quotas?)(_|$)|^max_"),
}


@rule(
    id="tenants-table-missing",
    category="tenancy",
    severity="warning",
    summary="Tenant tables but no tenants table, or one without plan, billing status and "
    "limits",
    rationale="The tenant column needs a table to reference, and what a tenant may do (plan, "
    "billing status, limits) has to live in the database for policies, triggers and jobs to "
    "enforce it, not in application memory.",
    remediation="Create the tenants table (tenancy.tenants_table) with columns for the plan, "
    "the billing status and the limits, and reference it from every tenant column",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);",
    good="CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL, plan text NOT NULL,\n"
    "  billing_status text NOT NULL, limits jsonb NOT NULL DEFAULT '{}');\n"
    "CREATE TABLE projects (id uuid PRIMARY KEY,\n"
    "  tenant_id uuid NOT NULL REFERENCES tenants (id));",
    scope=Scope.CHANGESET,
    config_keys=TENANT_TABLE_KEYS,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    tenants = tenants_table(context.schema, config)
    if tenants is not None:
        if tenants.new and (missing := _missing_columns(tenants)):
            yield Hit(
                message=f"tenants table {tenants.display} has no column for the "
                f"{' or the '.join(missing)} of a tenant",
                table=tenants.display,
                at=tenants.origin,
            )
        return
    using_tenancy = [table for table in new_tenant_tables(context.schema, config)
                     if tenant_column(table, config) is not None]
    if using_tenancy:
        first = using_tenancy[0]
        yield Hit(
            message=f"new tenant table {first.display} has {config.tenancy.column} but the "
            f"schema has no tenants table ({config.tenancy.tenants_table})",
            table=first.display,
            at=first.origin,
        )


def _missing_columns(table: Table) -> list[str]:
    return [what for what, pattern in REQUIRED.items()
            if not any(pattern.search(name) for name in table.columns)]


RULE = check
