from __future__ import annotations

from collections.abc import Iterator

from dbreview.config import Config
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.fixes import sql_name
from dbreview.rules.tenancy.generated_sql import qualified
from dbreview.rules.tenancy.tenant_tables import (
    TENANT_TABLE_KEYS,
    configured_type,
    is_nullable,
    is_tenant_table,
    new_tenant_tables,
    same_type,
    tenant_column,
)
from dbreview.schema.model import Schema, Table
from dbreview.schema.types import TypeRef


@rule(
    id="tenant-column-type",
    category="tenancy",
    severity="error",
    summary="The tenant column has another type than configured or used elsewhere, or is "
    "nullable",
    rationale="Every table's tenant column must join and compare with every other's and with "
    "the tenant expression of the policies; a different type needs casts that defeat indexes "
    "or fail, and a NULL tenant makes a row nobody's (or everybody's, to a careless policy).",
    remediation="Declare the column `tenant_id uuid NOT NULL` (the type of tenancy.type), "
    "like the other tenant tables",
    bad="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id text);",
    good="CREATE TABLE projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);",
    scope=Scope.CHANGESET,
    config_keys=["tenancy.type", *TENANT_TABLE_KEYS],
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    expected = configured_type(config)
    for table in new_tenant_tables(context.schema, config):
        column = tenant_column(table, config)
        if column is None:
            continue
        problems = _type_problems(column.type, expected, context.schema, config)
        nullable = is_nullable(table, column)
        if nullable:
            problems.append("it is nullable")
        if problems:
            yield Hit(
                message=f"tenant column {table.display}.{column.name}: {'; '.join(problems)}",
                table=table.display,
                suggested_sql=_not_null_sql(table, column.name) if nullable else None,
                at=table.origin,
            )


def _established_otherwise(actual: TypeRef, schema: Schema, config: Config
                           ) -> tuple[str, TypeRef] | None:
    """A tenant table the changeset did not create whose tenant column has another type, when
    none has `actual` (stops at the first that has it: usually the first one)."""
    other: tuple[str, TypeRef] | None = None
    for table in schema.tables.values():
        column = tenant_column(table, config)
        if table.new or column is None or column.type is None:
            continue
        if not is_tenant_table(table, config):
            continue
        if same_type(actual, column.type):
            return None
        other = other or (table.display, column.type)
    return other


def _type_problems(actual: TypeRef | None, expected: TypeRef | None, schema: Schema,
                   config: Config) -> list[str]:
    if actual is None:
        return []
    problems = []
    if expected is not None and not same_type(actual, expected):
        problems.append(f"its type is {actual}, tenancy.type is {config.tenancy.type}")
    if (established := _established_otherwise(actual, schema, config)) is not None:
        table, other = established
        problems.append(f"{table} uses {other}")
    return problems


def _not_null_sql(table: Table, column: str) -> str:
    return f"ALTER TABLE {qualified(table)} ALTER COLUMN {sql_name(column)} SET NOT NULL;"


RULE = check
