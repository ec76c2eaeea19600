from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.volatility import is_volatile_default
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import tenant_unique_sql
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, is_tenant_table, tenant_column
from dbreview.schema.model import Column, Constraint, Index, Schema, Table
from dbreview.sql.nodes import column_refs

KEY_KINDS = ("primary key", "unique")


@rule(
    id="unique-without-tenant",
    category="tenancy",
    severity="warning",
    summary="A UNIQUE constraint or unique index on a tenant table without the tenant column",
    rationale="Uniqueness across all tenants lets one tenant's data block another's (a slug "
    "or email taken by someone else) and tells a tenant, through the error, that the value "
    "exists elsewhere. Uniqueness is per tenant.",
    remediation="Lead the constraint with the tenant column: UNIQUE (tenant_id, slug)",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,\n"
    "  slug text NOT NULL UNIQUE);",
    good="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,\n"
    "  slug text NOT NULL, UNIQUE (tenant_id, slug));",
    scope=Scope.CHANGESET,
    config_keys=TENANT_TABLE_KEYS,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    column = config.tenancy.column
    for table in context.changed_tables():
        if not is_tenant_table(table, config) or tenant_column(table, config) is None:
            continue
        for index in table.indexes.values():
            if not index.unique or column in index.columns or not (table.new or index.new):
                continue
            constraint = _constraint_of(table, index)
            if constraint is not None and _surrogate_key(table, constraint, context.schema):
                continue
            if _predicate_on(context, index, column):
                continue
            what = f"constraint {constraint.name}" if constraint else f"unique index {index.name}"
            listed = ", ".join(c or "(expression)" for c in index.columns)
            yield Hit(
                message=f"{what} on tenant table {table.display} makes ({listed}) unique "
                f"across all tenants, not per tenant ({column} is not part of it)",
                table=table.display,
                suggested_sql=tenant_unique_sql(table, index, constraint, config),
                at=index.origin,
            )


def _constraint_of(table: Table, index: Index) -> Constraint | None:
    """The PRIMARY KEY or UNIQUE constraint the index enforces, if any."""
    keys = [c for c in table.constraints.values() if c.kind in KEY_KINDS]
    return (next((c for c in keys if c.name == index.name), None)
            or next((c for c in keys if c.columns == index.columns), None))


def _predicate_on(context: ChangesetContext, index: Index, column: str) -> bool:
    """A partial index whose WHERE names the tenant column (`WHERE tenant_id IS NULL`: rows
    shared by every tenant) is scoped by its predicate."""
    statement = context.statement_at(index.origin) if index.partial else None
    if statement is None or statement.kind != "IndexStmt":
        return False
    return column in column_refs(statement.node.get("whereClause"))


def _surrogate_key(table: Table, constraint: Constraint, schema: Schema) -> bool:
    """A primary key on a generated or `id` column (with the partition key, on a partitioned
    table): unique everywhere by construction."""
    return constraint.kind == "primary key" and any(
        _generated(table.columns.get(name), schema) for name in constraint.columns)


def _generated(column: Column | None, schema: Schema) -> bool:
    """An `id`, identity or serial column, or one filled by gen_random_uuid() or nextval()."""
    if column is None:
        return False
    serial = column.type is not None and column.type.is_serial
    return (column.name == "id" or column.identity or serial
            or is_volatile_default(column.default, schema))


RULE = check
