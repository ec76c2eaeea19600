from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import index_sql
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, indexed_tenant_tables

# Columns every tenant's list views filter or sort on after the tenant column.
COMPANION_COLUMNS = ("created_at", "status")


@rule(
    id="tenant-composite-index",
    category="tenancy",
    severity="notice",
    summary="A new tenant table with created_at or status but no index led by "
    "(tenant column, that column)",
    rationale="Tenant screens list recent rows or rows in a state: `WHERE tenant_id = $1 ORDER "
    "BY created_at` or `AND status = $2`. An index on the tenant column alone reads all of the "
    "tenant's rows to answer them.",
    remediation="Create the composite index (tenant_id, created_at) or (tenant_id, status)",
    bad="CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,\n"
    "  created_at timestamptz NOT NULL DEFAULT now());\n"
    "CREATE INDEX orders_tenant_id_idx ON orders (tenant_id);",
    good="CREATE TABLE orders (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,\n"
    "  created_at timestamptz NOT NULL DEFAULT now());\n"
    "CREATE INDEX orders_tenant_id_created_at_idx ON orders (tenant_id, created_at);",
    scope=Scope.CHANGESET,
    config_keys=TENANT_TABLE_KEYS,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    tenant = context.config.tenancy.column
    for table in indexed_tenant_tables(context):
        for column in COMPANION_COLUMNS:
            if column in table.columns and not table.has_index_led_by((tenant, column)):
                yield Hit(
                    message=f"new tenant table {table.display} has {column} but no index led "
                    f"by ({tenant}, {column})",
                    table=table.display,
                    suggested_sql=index_sql(table, (tenant, column), context.schema),
                    at=table.origin,
                )


RULE = check
