"""The schema model: tables, columns, constraints, indexes, RLS, policies, triggers, functions,
views, roles and extensions, as replaying the migrations leaves them.

Objects created in the changeset under review are marked `new`; everything else is history.
Objects the history does not know are assumed to exist with data in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dbreview.schema.types import TypeRef
from dbreview.sql.nodes import QName
from dbreview.sql.source import Span

Key = tuple[str, str]  # (schema, name), always qualified


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was created or changed: enough to point a finding at it."""

    path: str
    span: Span
    transaction: int | None = None  # the file's transaction number, None outside one


@dataclass(slots=True)
class Column:
    name: str
    type: TypeRef | None
    not_null: bool = False
    default: Any = None  # the default's expression node
    identity: bool = False
    generated: bool = False
    comment: str | None = None


@dataclass(slots=True)
class Constraint:
    name: str
    kind: str  # primary key | unique | foreign key | check | exclude
    columns: tuple[str, ...] = ()
    validated: bool = True
    references: Key | None = None
    ref_columns: tuple[str, ...] = ()
    expression: Any = None
    origin: Origin | None = None
    new: bool = False


@dataclass(slots=True)
class Index:
    name: str
    table: Key
    columns: tuple[str | None, ...]  # None for an expression
    unique: bool = False
    partial: bool = False
    method: str = "btree"
    origin: Origin | None = None
    new: bool = False

    @property
    def leading(self) -> str | None:
        return self.columns[0] if self.columns else None


@dataclass(slots=True)
class Policy:
    name: str
    command: str  # all | select | insert | update | delete
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: Any = None
    check: Any = None
    origin: Origin | None = None
    new: bool = False


@dataclass(slots=True)
class Trigger:
    name: str
    function: str
    timing: str  # before | after | instead of
    events: frozenset[str]  # insert | update | delete | truncate
    row: bool
    origin: Origin | None = None
    new: bool = False


@dataclass(slots=True)
class Table:
    schema: str
    name: str
    # table | partitioned table | temporary table | view | materialized view | foreign table
    kind: str = "table"
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    comment: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    query: Any = None  # a view's SELECT
    origin: Origin | None = None
    new: bool = False
    altered: bool = False  # changed by the changeset (for existing tables)

    @property
    def key(self) -> Key:
        return (self.schema, self.name)

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints.values() if c.kind == "primary key"), None)

    def has_index_led_by(self, columns: tuple[str, ...]) -> bool:
        width = len(columns)
        return any(index.columns[:width] == columns and not index.partial
                   for index in self.indexes.values())


@dataclass(slots=True)
class Function:
    schema: str
    name: str
    language: str = "sql"
    security_definer: bool = False
    search_path_set: bool = False
    volatility: str = "volatile"  # PostgreSQL's default when CREATE FUNCTION says nothing
    returns: str = ""
    body: str = ""
    origin: Origin | None = None
    new: bool = False


@dataclass(slots=True)
class Role:
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    new: bool = False


@dataclass(slots=True)
class Schema:
    tables: dict[Key, Table] = field(default_factory=dict)
    indexes: dict[Key, Index] = field(default_factory=dict)  # by (schema, index name)
    functions: dict[Key, Function] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    enums: dict[Key, list[str]] = field(default_factory=dict)
    extensions: set[str] = field(default_factory=set)
    schemas: set[str] = field(default_factory=lambda: {"public"})
    search_path: list[str] = field(default_factory=lambda: ["public"])
    touched: list[Any] = field(default_factory=list)  # objects new or altered in the changeset
    # function name -> the keys of the functions of that name, in creation order: looking a
    # name up in every schema stays cheap when a long history defines thousands of functions
    _functions_by_name: dict[str, list[Key]] = field(default_factory=dict)

    def key(self, name: QName, objects: dict[Key, Any] | None = None) -> Key:
        """The qualified key of a possibly unqualified name, through the search path."""
        schema, relname = name
        if schema is not None:
            return (schema, relname)
        pool = self.tables if objects is None else objects
        if ("pg_temp", relname) in pool:  # the session's temporary schema comes first
            return ("pg_temp", relname)
        for candidate in self.search_path:
            if (candidate, relname) in pool:
                return (candidate, relname)
        return (self.creation_schema, relname)

    @property
    def creation_schema(self) -> str:
        """Where an unqualified CREATE puts its object."""
        return self.search_path[0] if self.search_path else "public"

    def table(self, name: QName) -> Table | None:
        return self.tables.get(self.key(name))

    def index(self, name: QName) -> Index | None:
        return self.indexes.get(self.key(name, self.indexes))

    def is_new_table(self, name: QName) -> bool:
        table = self.table(name)
        return table is not None and table.new

    def created(self, item: Any) -> Any:
        """Mark `item` as created by the changeset under review; returns it."""
        item.new = True
        self.touched.append(item)
        return item

    def alter(self, table: Table) -> None:
        if not table.new and not table.altered:
            table.altered = True
            self.touched.append(table)

    def changed_tables(self) -> list[Table]:
        """Tables the changeset created or changed (their columns, constraints, indexes,
        policies or triggers) and did not drop, in the order it first touched them."""
        return [item for item in self.touched
                if isinstance(item, Table) and self.tables.get(item.key) is item]

    def new_tables(self) -> list[Table]:
        return [table for table in self.changed_tables() if table.new]

    def add_function(self, function: Function) -> None:
        key = (function.schema, function.name)
        if key not in self.functions:
            self._functions_by_name.setdefault(function.name, []).append(key)
        self.functions[key] = function

    def drop_function(self, key: Key) -> None:
        if self.functions.pop(key, None) is not None:
            self._functions_by_name[key[1]].remove(key)

    def function_named(self, name: str) -> Key | None:
        """The first function called `name` in any schema, if any."""
        keys = self._functions_by_name.get(name)
        return keys[0] if keys else None

    def new_functions(self) -> list[Function]:
        return [item for item in self.touched if isinstance(item, Function)
                and self.functions.get((item.schema, item.name)) is item]

    def mark_history(self) -> None:
        """Everything built so far becomes history: the next changeset starts."""
        for item in self.touched:
            item.new = False
            if isinstance(item, Table):
                item.altered = False
        self.touched.clear()
