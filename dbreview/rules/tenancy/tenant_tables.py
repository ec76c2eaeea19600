"""Which tables are tenant tables, and what their tenant column looks like.

A tenant table lives in one of `tenancy.schemas` and is not the tenants table, not the
activity-log table and not listed in `tenancy.global_tables` (rules.md, "Terms"). Entries of
those settings are either `name` (any schema) or `schema.name`.
"""

from __future__ import annotations

import json
from functools import cache

from pglast import parser

from dbreview.config import Config
from dbreview.rules.base import ChangesetContext
from dbreview.schema.model import Column, Key, Schema, Table
from dbreview.schema.types import TypeRef, type_ref
from dbreview.sql.nodes import Node

# The settings that decide which tables are tenant tables, for rules' `config_keys`.
TENANT_TABLE_KEYS = ("tenancy.column", "tenancy.schemas", "tenancy.tenants_table",
                     "tenancy.global_tables", "audit.table")
TABLE_KINDS = ("table", "partitioned table")  # views and foreign tables hold no rows of their own


def names_entry(entry: str, key: Key) -> bool:
    """Whether a config entry (`name` or `schema.name`) designates the table `key`."""
    schema, _, name = entry.rpartition(".")
    return name == key[1] and (not schema or schema == key[0])


def is_tenant_key(key: Key, config: Config) -> bool:
    """Whether a table of this name is a tenant table (for tables the model may not know)."""
    tenancy = config.tenancy
    if key[0] not in tenancy.schemas:
        return False
    exempt = (tenancy.tenants_table, config.audit.table, *tenancy.global_tables)
    return not any(names_entry(entry, key) for entry in exempt)


def is_tenant_table(table: Table, config: Config) -> bool:
    return table.kind in TABLE_KINDS and is_tenant_key(table.key, config)


def new_tenant_tables(schema: Schema, config: Config) -> list[Table]:
    """Tenant tables created in the changeset, as the changeset leaves them."""
    return [table for table in schema.new_tables() if is_tenant_table(table, config)]


def indexed_tenant_tables(context: ChangesetContext) -> list[Table]:
    """New tenant tables with the tenant column that need their own tenant indexes: not
    partitions (CREATE TABLE … PARTITION OF), which inherit their parent's."""
    config = context.config
    return [table for table in new_tenant_tables(context.schema, config)
            if tenant_column(table, config) is not None and not _is_partition(context, table)]


def _is_partition(context: ChangesetContext, table: Table) -> bool:
    statement = context.statement_at(table.origin)
    return statement is not None and "partbound" in statement.node


def tenant_column(table: Table, config: Config) -> Column | None:
    return table.columns.get(config.tenancy.column)


def is_nullable(table: Table, column: Column) -> bool:
    primary_key = table.primary_key
    return not column.not_null and not (primary_key and column.name in primary_key.columns)


def tenants_table(schema: Schema, config: Config) -> Table | None:
    entry_schema, _, name = config.tenancy.tenants_table.rpartition(".")
    # Looked up by key, not by scanning every table: this runs once per reviewed file.
    for candidate in [entry_schema] if entry_schema else config.tenancy.schemas:
        table = schema.tables.get((candidate, name))
        if table is not None and table.kind in TABLE_KINDS:
            return table
    return None


@cache
def parsed_expression(sql: str) -> Node | None:
    """The parse tree of a configured SQL expression; None when it is not one."""
    try:
        (statement,) = json.loads(parser.parse_sql_json(f"SELECT {sql}"))["stmts"]
        (target,) = statement["stmt"]["SelectStmt"]["targetList"]
    except (parser.ParseError, KeyError, ValueError):
        return None
    value: Node = target["ResTarget"]["val"]
    return value


def configured_type(config: Config) -> TypeRef | None:
    """`tenancy.type` in canonical form (`int8` and `bigint` compare equal)."""
    cast = parsed_expression(f"NULL::{config.tenancy.type}") or {}
    return type_ref(cast["TypeCast"]["typeName"]) if "TypeCast" in cast else None


def same_type(left: TypeRef, right: TypeRef) -> bool:
    return (left.name, left.mods, left.array) == (right.name, right.mods, right.array)
