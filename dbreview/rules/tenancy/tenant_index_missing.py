from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import index_sql
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, indexed_tenant_tables


@rule(
    id="tenant-index-missing",
    category="tenancy",
    severity="error",
    summary="A new tenant table without an index led by the tenant column",
    rationale="Every query of a tenant's rows, and every RLS policy check, filters on the "
    "tenant column: without an index led by it each of them scans the whole table, all "
    "tenants included, and gets slower as other tenants grow.",
    remediation="Create an index whose first column is the tenant column (a primary key or "
    "unique constraint led by it counts), in the same changeset",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);",
    good="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);\n"
    "CREATE INDEX projects_tenant_id_idx ON projects (tenant_id);",
    scope=Scope.CHANGESET,
    config_keys=TENANT_TABLE_KEYS,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    column = context.config.tenancy.column
    for table in indexed_tenant_tables(context):
        if table.has_index_led_by((column,)):
            continue
        yield Hit(
            message=f"new tenant table {table.display} has no index led by {column}: every "
            "tenant's queries and policy checks scan the whole table",
            table=table.display,
            suggested_sql=index_sql(table, (column,), context.schema),
            at=table.origin,
        )


RULE = check
