from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import tenant_column_sql
from dbreview.rules.tenancy.tenant_tables import (
    TENANT_TABLE_KEYS,
    new_tenant_tables,
    tenant_column,
)


@rule(
    id="tenant-column-missing",
    category="tenancy",
    severity="error",
    summary="A new tenant table without the tenant column",
    rationale="Rows without a tenant column belong to no tenant: row level security cannot "
    "tell whose they are, and per-tenant queries, exports and deletions miss them.",
    remediation="Add `tenant_id uuid NOT NULL REFERENCES tenants (id)` to the table, or list "
    "it in tenancy.global_tables if every tenant shares it (lookup data)",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, name text NOT NULL);",
    good="CREATE TABLE projects (id uuid PRIMARY KEY,\n"
    "  tenant_id uuid NOT NULL REFERENCES tenants (id), name text NOT NULL);",
    scope=Scope.CHANGESET,
    config_keys=TENANT_TABLE_KEYS,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    column = config.tenancy.column
    for table in new_tenant_tables(context.schema, config):
        if tenant_column(table, config) is None:
            yield Hit(
                message=f"new table {table.display} has no {column} column: its rows belong "
                "to no tenant",
                table=table.display,
                suggested_sql=tenant_column_sql(table, context.schema, config),
                at=table.origin,
            )


RULE = check
