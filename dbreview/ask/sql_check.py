"""Checks a query an LLM wrote before anyone sees it.

A query passes when it parses as PostgreSQL, is one statement that only reads (no DML, DDL,
locking clause, SELECT INTO or function that may write), names only tables and columns of the
schema model, and filters every tenant table it reads by the tenant column: a conjunct of the
WHERE or JOIN condition of the query that reads it compares the column to a value (or a list,
or a subquery), or to the tenant column of a table filtered that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from dbreview.config import Config
from dbreview.rules.tenancy.tenant_tables import is_tenant_table, tenant_column
from dbreview.schema.model import Key, Schema, Table

DIALECT = "postgres"
_WRITES = (exp.DML, exp.DDL, exp.Drop, exp.Alter, exp.Command, exp.Copy, exp.TruncateTable,
           exp.Grant, exp.Set, exp.Lock, exp.Into, exp.Transaction, exp.Commit)
# Typed functions that write: sqlglot gives most functions a class, and none of the others has
# a side effect in PostgreSQL.
_WRITING_FUNCTIONS = (exp.NextValueFor,)
# Functions sqlglot leaves untyped that only read. Any other untyped function must be one of the
# schema's own, declared STABLE or IMMUTABLE (PostgreSQL refuses writes in those).
READ_ONLY_FUNCTIONS = frozenset({
    "age", "array_agg", "array_length", "array_position", "array_to_string", "auth.jwt",
    "auth.role", "auth.uid", "btrim", "cardinality", "char_length", "concat_ws",
    "current_setting", "date_bin", "date_part", "dense_rank", "first_value", "format",
    "initcap", "json_agg", "json_build_object", "jsonb_agg", "jsonb_array_elements",
    "jsonb_array_length", "jsonb_build_object", "jsonb_each", "jsonb_object_keys",
    "jsonb_typeof", "lag", "last_value", "lead", "left", "ltrim", "make_date", "make_interval",
    "md5", "ntile", "num_nonnulls", "num_nulls", "octet_length", "percent_rank",
    "pg_relation_size", "pg_size_pretty", "pg_total_relation_size", "plainto_tsquery", "rank",
    "regexp_match", "regexp_replace", "replace", "right", "row_number", "rtrim", "split_part",
    "string_agg", "strpos", "to_char", "to_date", "to_timestamp", "to_tsquery", "to_tsvector",
    "translate", "ts_rank", "unnest", "websearch_to_tsquery",
})


@dataclass(frozen=True, slots=True)
class CheckedSql:
    sql: str  # re-printed from the parse tree: comments (and anything hidden in them) dropped
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def check_sql(sql: str, schema: Schema, config: Config) -> CheckedSql:
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as error:
        return CheckedSql(sql, (f"does not parse as PostgreSQL ({_first_line(error)})",))
    if len(statements) != 1:
        return CheckedSql(sql, (f"holds {len(statements)} statements instead of one",))
    (statement,) = statements
    problems = _writes(statement) + _functions(statement, schema)
    problems += _qualify_tables(statement, schema)
    if not problems:
        problems += _columns_and_tenancy(statement, schema, config)
    return CheckedSql(statement.sql(dialect=DIALECT, pretty=True, comments=False),
                      tuple(dict.fromkeys(problems)))


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _writes(statement: exp.Expr) -> list[str]:
    if not isinstance(statement, exp.Select | exp.SetOperation):
        return [f"is {statement.key.upper()}, not a SELECT"]
    return [f"contains {node.key.upper()}, which writes or locks"
            for node in statement.walk() if isinstance(node, _WRITES)]


def _functions(statement: exp.Expr, schema: Schema) -> list[str]:
    problems = []
    for function in statement.find_all(exp.Func):
        if isinstance(function, _WRITING_FUNCTIONS):
            problems.append(f"calls {function.sql(dialect=DIALECT)}, which writes")
        elif isinstance(function, exp.Anonymous):
            name = _function_name(function)
            if not _reads_only(name, schema):
                problems.append(f"calls {name}(), which is not known to be read-only")
    return problems


def _function_name(function: exp.Anonymous) -> str:
    name = function.name.lower()
    parent = function.parent
    if isinstance(parent, exp.Dot) and parent.expression is function:
        name = f"{parent.this.sql(dialect=DIALECT).lower()}.{name}"
    return name.removeprefix("pg_catalog.")


def _reads_only(name: str, schema: Schema) -> bool:
    if name in READ_ONLY_FUNCTIONS:
        return True
    qualifier, _, bare = name.rpartition(".")
    candidates = [(qualifier, bare)] if qualifier else [(s, bare) for s in schema.search_path]
    return any(function.volatility in ("stable", "immutable")
               for key in candidates if (function := schema.functions.get(key)) is not None)


def _table_nodes(statement: exp.Expr) -> Iterator[exp.Table]:
    """Tables the query reads: not its CTEs, not set-returning functions in FROM."""
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and (table.db or table.name not in ctes):
            yield table


def _resolve(schema: Schema, table: exp.Table) -> Key:
    return schema.key((table.db or None, table.name))


def _qualify_tables(statement: exp.Expr, schema: Schema) -> list[str]:
    """Names each table with its schema (so its columns resolve, and the reader sees which
    table it is); the problems are the tables the schema model does not have."""
    problems = []
    for node in _table_nodes(statement):
        key = _resolve(schema, node)
        if key in schema.tables:
            node.set("db", exp.to_identifier(key[0]))
        else:
            problems.append(f"reads {'.'.join(key)}, which is not a table of the schema")
    return problems


def _columns_and_tenancy(statement: exp.Expr, schema: Schema, config: Config) -> list[str]:
    mapping: dict[str, object] = {
        schema_name: {name: {column: "unknown" for column in table.columns}
                      for (owner, name), table in schema.tables.items() if owner == schema_name}
        for schema_name in {owner for owner, _ in schema.tables}
    }
    try:
        qualified = qualify(statement.copy(), schema=mapping, dialect=DIALECT,
                            validate_qualify_columns=True)
    except OptimizeError as error:
        return [f"names a column that does not exist ({_first_line(error)})"]
    problems = []
    for scope in traverse_scope(qualified):
        problems += _unfiltered_tenant_tables(scope, schema, config)
    return problems


def _unfiltered_tenant_tables(scope: Scope, schema: Schema, config: Config) -> list[str]:
    tenants: dict[str, tuple[Table, str]] = {}
    for alias, (_, source) in scope.selected_sources.items():
        if isinstance(source, exp.Table):
            table = schema.tables.get(_resolve(schema, source))
            column = tenant_column(table, config) if table is not None else None
            if table is not None and column is not None and is_tenant_table(table, config):
                tenants[alias] = (table, column.name)
    if not tenants:
        return []
    conditions = [scope.expression.args.get("where")]
    conditions += [join.args.get("on") for join in scope.expression.args.get("joins") or ()]
    conjuncts = [part for condition in conditions if condition is not None
                 for part in _conjuncts(condition.this if isinstance(condition, exp.Where)
                                        else condition)]
    filtered = _filtered(tenants, conjuncts)
    return [f"reads the tenant table {table.display} without filtering on "
            f"{alias}.{column}" for alias, (table, column) in tenants.items()
            if alias not in filtered]


def _conjuncts(condition: exp.Expr) -> Iterator[exp.Expr]:
    if isinstance(condition, exp.And):
        yield from _conjuncts(condition.left)
        yield from _conjuncts(condition.right)
    elif isinstance(condition, exp.Paren):
        yield from _conjuncts(condition.this)
    else:
        yield condition


def _filtered(tenants: dict[str, tuple[Table, str]], conjuncts: list[exp.Expr]) -> set[str]:
    """Aliases pinned to a tenant: compared to a value, or equal to a pinned alias's column."""
    pinned: set[str] = set()
    links: list[tuple[str, str]] = []
    for conjunct in conjuncts:
        if isinstance(conjunct, exp.In) and (alias := _tenant_alias(conjunct.this, tenants)):
            pinned.add(alias)
        elif isinstance(conjunct, exp.EQ):
            left = _tenant_alias(conjunct.this, tenants)
            right = _tenant_alias(conjunct.expression, tenants)
            if left and right:
                links.append((left, right))
            elif left and not conjunct.expression.find(exp.Column):
                pinned.add(left)
            elif right and not conjunct.this.find(exp.Column):
                pinned.add(right)
    while spread := {alias for pair in links for alias in pair
                     if set(pair) & pinned and alias not in pinned}:
        pinned |= spread
    return pinned


def _tenant_alias(node: exp.Expr, tenants: dict[str, tuple[Table, str]]) -> str | None:
    """The alias whose tenant column `node` is, if it is one."""
    if isinstance(node, exp.Column) and node.table in tenants \
            and node.name == tenants[node.table][1]:
        return node.table
    return None
