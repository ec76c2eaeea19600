"""What the explanations and the docs say about a table, read off the schema model: its foreign
keys in both directions, the values a column may hold, defaults, policies and triggers in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.config import Config
from dbreview.explain.expressions import expression_sql
from dbreview.rules.audit.log import log_triggers
from dbreview.rules.tenancy.tenant_tables import TABLE_KINDS, is_nullable
from dbreview.schema.model import Column, Key, Policy, Schema, Table, Trigger
from dbreview.sql.nodes import Node, constant, names

# Views have no rows of their own and no keys: maps and docs cover the tables that do.
MAPPED_KINDS = (*TABLE_KINDS, "foreign table")


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """One foreign key, its target's columns resolved (a bare REFERENCES means the key)."""

    child: Key
    columns: tuple[str, ...]
    parent: Key
    parent_columns: tuple[str, ...]  # empty when the target is not in the schema model
    constraint: str
    optional: bool  # a NULL in a key column means "no parent"
    one_to_one: bool  # the key columns are themselves unique

    @property
    def cardinality(self) -> str:
        return "one-to-one" if self.one_to_one else "many-to-one"


def display(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def foreign_keys(schema: Schema, table: Table) -> list[ForeignKey]:
    """The table's foreign keys, in declaration order."""
    found = []
    for constraint in table.constraints.values():
        if constraint.kind != "foreign key" or constraint.references is None:
            continue
        parent = schema.tables.get(constraint.references)
        parent_columns = constraint.ref_columns
        if not parent_columns and parent is not None and parent.primary_key is not None:
            parent_columns = parent.primary_key.columns
        found.append(ForeignKey(
            child=table.key, columns=constraint.columns, parent=constraint.references,
            parent_columns=parent_columns, constraint=constraint.name,
            optional=any(is_nullable(table, table.columns[name]) for name in constraint.columns
                         if name in table.columns),
            one_to_one=is_unique(table, constraint.columns),
        ))
    return found


def referencing(schema: Schema, key: Key) -> list[ForeignKey]:
    """Foreign keys of other tables (and the table itself) that point at `key`, by table."""
    # only the few tables that point at it are sorted: a review explains tables one by one
    pointing = sorted((name, table) for name, table in schema.tables.items()
                      if table.kind in MAPPED_KINDS and _points_at(table, key))
    return [foreign_key for _, table in pointing
            for foreign_key in foreign_keys(schema, table) if foreign_key.parent == key]


def _points_at(table: Table, key: Key) -> bool:
    # checked first: describing every foreign key of a large schema costs far more
    return any(constraint.kind == "foreign key" and constraint.references == key
               for constraint in table.constraints.values())


def sorted_tables(schema: Schema) -> list[Table]:
    return [schema.tables[key] for key in sorted(schema.tables)
            if schema.tables[key].kind in MAPPED_KINDS]


def is_unique(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether a primary key, unique constraint or unique index covers exactly `columns`."""
    wanted = set(columns)
    return any(index.unique and not index.partial and set(index.columns) == wanted
               for index in table.indexes.values()) or any(
        constraint.kind in ("primary key", "unique") and set(constraint.columns) == wanted
        for constraint in table.constraints.values())


def allowed_values(schema: Schema, table: Table, column: Column) -> list[str] | None:
    """The values a CHECK or the column's enum type allows."""
    return checked_values(table, column) or enum_values(schema, column)


def checked_values(table: Table, column: Column) -> list[str] | None:
    """The values a CHECK (`col IN (…)`, `col = ANY (ARRAY[…])`) allows."""
    for constraint in table.constraints.values():
        if constraint.kind == "check" and constraint.expression:
            values = _listed_values(constraint.expression, column.name)
            if values is not None:
                return values
    return None


def enum_values(schema: Schema, column: Column) -> list[str] | None:
    if column.type is None or column.type.array:
        return None
    schema_name, _, type_name = column.type.name.rpartition(".")
    values = schema.enums.get(schema.key((schema_name or None, type_name), schema.enums))
    return list(values) if values is not None else None


def _listed_values(expression: Node, column: str) -> list[str] | None:
    comparison = expression.get("A_Expr")
    if comparison is None or names(comparison.get("name")) != ["="]:
        return None
    if names(comparison.get("lexpr", {}).get("ColumnRef", {}).get("fields"))[-1:] != [column]:
        return None
    listed = comparison.get("rexpr")
    if comparison.get("kind") == "AEXPR_OP_ANY":
        listed = (listed or {}).get("A_ArrayExpr", {}).get("elements")
    elif comparison.get("kind") == "AEXPR_IN":
        listed = (listed or {}).get("List", {}).get("items")
    else:
        return None
    values = [constant(item) for item in listed or ()]
    return [str(value) for value in values] if values and None not in values else None


def default_sql(column: Column) -> str | None:
    if column.identity:
        return "generated identity"
    return expression_sql(column.default) if column.default else None


def type_text(column: Column) -> str:
    return str(column.type) if column.type is not None else "unknown type"


def policy_text(policy: Policy) -> str:
    """`name: SELECT for authenticated, USING (…)` in one line."""
    kind = "" if policy.permissive else "restrictive, "
    command = "all commands" if policy.command == "all" else policy.command.upper()
    clauses = [f"{label} ({expression_sql(node)})"
               for label, node in (("USING", policy.using), ("WITH CHECK", policy.check))
               if node]
    return (f"{policy.name}: {kind}{command} for {', '.join(policy.roles)}"
            + (f", {' '.join(clauses)}" if clauses else ""))


def trigger_text(trigger: Trigger) -> str:
    """`name: after insert, update, delete, for each row, runs public.log_activity()`."""
    events = ", ".join(event for event in ("insert", "update", "delete", "truncate")
                       if event in trigger.events)
    level = "each row" if trigger.row else "each statement"
    return f"{trigger.name}: {trigger.timing} {events}, for {level}, runs {trigger.function}()"


def logged(table: Table, config: Config) -> bool:
    """Whether a trigger calls the activity-log function for every kind of write."""
    events: set[str] = set()
    for trigger in log_triggers(table, config.audit):
        events |= trigger.events
    return {"insert", "update", "delete"} <= events


def unique_column_sets(table: Table) -> list[tuple[str, ...]]:
    """Column sets that must be unique, beyond the primary key."""
    found = [constraint.columns for constraint in table.constraints.values()
             if constraint.kind == "unique"]
    found += [tuple(column or "(expression)" for column in index.columns)
              for index in table.indexes.values()
              if index.unique and not index.partial and index.name not in table.constraints]
    return found

