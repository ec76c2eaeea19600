"""SQL a reviewer can paste on top of the migration it fixes: RLS, tenant policies, tenant
indexes and tenant-scoped unique constraints.

Names follow PostgreSQL's own conventions (`<table>_<columns>_idx`), stay within its 63 bytes
and avoid names already taken, so the statements apply as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from dbreview.config import Config
from dbreview.rules.fixes import sql_name
from dbreview.rules.tenancy.tenant_tables import parsed_expression, tenants_table
from dbreview.schema.model import Constraint, Index, Schema, Table
from dbreview.sql.identifiers import MAX_IDENTIFIER_BYTES

_CLAUSES = {"select": ("USING",), "insert": ("WITH CHECK",), "update": ("USING", "WITH CHECK"),
            "delete": ("USING",)}
# An expression of one of these kinds can follow `=` without parentheses.
_ATOMIC = ("SubLink", "FuncCall", "TypeCast", "ColumnRef", "A_Const", "ParamRef")


def qualified(table: Table) -> str:
    return sql_name(table.key)


def free_name(stem: str, suffix: str, taken: Collection[str]) -> str:
    """`<stem>_<suffix>`, shortened to PostgreSQL's limit and numbered if already taken."""
    number = 0
    while True:  # like PostgreSQL: name, name1, name2, …
        ending = f"_{suffix}{number or ''}"
        budget = MAX_IDENTIFIER_BYTES - len(ending.encode())
        name = stem.encode()[:budget].decode(errors="ignore") + ending
        if name not in taken:
            return name
        number += 1


def tenant_condition(config: Config) -> str:
    """`tenant_id = <tenancy.policy_expression>`, parenthesised when precedence needs it."""
    expression = config.tenancy.policy_expression.strip()
    parsed = parsed_expression(expression)
    atomic = parsed is not None and next(iter(parsed)) in _ATOMIC
    return f"{sql_name(config.tenancy.column)} = {expression if atomic else f'({expression})'}"


def tenant_column_sql(table: Table, schema: Schema, config: Config) -> str:
    """The tenant column, referencing the tenants table when it has a one-column key."""
    tenancy = config.tenancy
    tenants = tenants_table(schema, config)
    key = tenants.primary_key if tenants is not None else None
    reference = ""
    if tenants is not None and key is not None and len(key.columns) == 1:
        reference = f" REFERENCES {qualified(tenants)} ({sql_name(key.columns[0])})"
    return (f"ALTER TABLE {qualified(table)} ADD COLUMN {sql_name(tenancy.column)} {tenancy.type} "
            f"NOT NULL{reference};")


def enable_rls_sql(table: Table) -> str:
    return f"ALTER TABLE {qualified(table)} ENABLE ROW LEVEL SECURITY;"


def policy_sql(table: Table, command: str, config: Config) -> str:
    """A permissive policy for signed-in users limited to their tenant's rows."""
    condition = tenant_condition(config)
    clauses = " ".join(f"{clause} ({condition})" for clause in _CLAUSES[command])
    name = free_name(table.name, f"tenant_{command}", table.policies)
    return (f"CREATE POLICY {sql_name(name)} ON {qualified(table)} FOR {command.upper()} "
            f"TO authenticated {clauses};")


def policies_sql(table: Table, commands: Iterable[str], config: Config) -> str:
    return "\n".join(policy_sql(table, command, config) for command in commands)


def _relation_names(schema: Schema, namespace: str) -> set[str]:
    """Indexes share the namespace of tables, views and sequences."""
    return ({name for (owner, name) in schema.indexes if owner == namespace}
            | {name for (owner, name) in schema.tables if owner == namespace})


def _concurrently(table: Table) -> str:
    # A table the changeset creates is empty and unused; any other one is being written to.
    return "" if table.new else " CONCURRENTLY"


def index_sql(table: Table, columns: tuple[str, ...], schema: Schema) -> str:
    name = free_name("_".join((table.name, *columns)), "idx", _relation_names(schema, table.schema))
    listed = ", ".join(sql_name(column) for column in columns)
    return f"CREATE INDEX{_concurrently(table)} {sql_name(name)} ON {qualified(table)} ({listed});"


def tenant_unique_sql(
    table: Table, index: Index, constraint: Constraint | None, config: Config
) -> str | None:
    """Replace a unique constraint or index by one that starts with the tenant column."""
    if index.partial or None in index.columns:
        return None  # the model keeps neither predicates nor expressions: rewrite it by hand
    columns = ", ".join(sql_name(column) for column in (config.tenancy.column, *index.columns)
                        if column is not None)
    if constraint is not None:
        kind = "PRIMARY KEY" if constraint.kind == "primary key" else "UNIQUE"
        name = sql_name(constraint.name)
        return (f"ALTER TABLE {qualified(table)} DROP CONSTRAINT {name}, "
                f"ADD CONSTRAINT {name} {kind} ({columns});")
    concurrently = _concurrently(table)
    name = sql_name(index.name)
    return (f"DROP INDEX{concurrently} {sql_name(table.schema)}.{name};\n"
            f"CREATE UNIQUE INDEX{concurrently} {name} ON {qualified(table)} ({columns});")
