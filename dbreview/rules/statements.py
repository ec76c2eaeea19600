"""The statement shapes rules keep asking about, read once here.

Reading (libpg_query JSON nodes, `Statement.node`):
- `alter_commands`: the ALTER TABLE subcommands of given subtypes;
- `new_columns`: the column definitions a CREATE TABLE or ALTER TABLE … ADD COLUMN creates
  (`describe_columns` names them in a message);
- `declared_constraints`: every constraint a statement declares, with the columns it covers;
- `drop_targets`: the names a DROP statement drops;
- `tables_read`: the tables a query reads in its FROM clauses.

Writing suggested SQL: `sql_name` quotes a name where needed; `rewrite_new_columns` edits the
column definitions a statement creates (through pglast's AST), `set_type` retypes one of them
and `retyped` gives several the same new type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import AlterTableType

from dbreview.rules.fixes import rewrite
from dbreview.schema.types import TypeRef, type_ref
from dbreview.sql.nodes import Node, QName, names, qname_from_list, relation_name, walk
from dbreview.sql.parse import Statement


def alter_commands(node: Node, *subtypes: str) -> Iterator[Node]:
    """The AlterTableCmd fields of an AlterTableStmt node, of the given subtypes (all if none)."""
    for item in node.get("cmds") or ():
        command = item.get("AlterTableCmd")
        if command is not None and (not subtypes or command.get("subtype") in subtypes):
            yield command


@dataclass(frozen=True)
class NewColumn:
    """A column definition of a CREATE TABLE or an ALTER TABLE … ADD COLUMN."""

    table: QName
    definition: Node  # the ColumnDef fields

    @property
    def name(self) -> str:
        return str(self.definition.get("colname", ""))

    @cached_property
    def type(self) -> TypeRef | None:
        """None for a column without a type (a partition's column options)."""
        type_name = self.definition.get("typeName")
        return type_ref(type_name) if type_name else None

    def constraints(self, *contypes: str) -> list[Node]:
        """The Constraint fields declared on the column, of the given contypes (all if none)."""
        found = [item["Constraint"] for item in self.definition.get("constraints") or ()]
        return [c for c in found if not contypes or c.get("contype") in contypes]


def new_columns(statement: Statement) -> Iterator[NewColumn]:
    """The columns a CREATE TABLE or an ALTER TABLE … ADD COLUMN creates, in order."""
    node = statement.node
    table = relation_name(node.get("relation"))
    if table is None:
        return
    if statement.kind == "CreateStmt":
        definitions = [element["ColumnDef"] for element in node.get("tableElts") or ()
                       if "ColumnDef" in element]
    elif statement.kind == "AlterTableStmt":
        definitions = [command["def"]["ColumnDef"]
                       for command in alter_commands(node, "AT_AddColumn")]
    else:
        return
    for definition in definitions:
        yield NewColumn(table, definition)


def describe_columns(columns: list[NewColumn]) -> str:
    """`column a` or `columns a, b`, for messages."""
    listed = ", ".join(column.name for column in columns)
    return f"column {listed}" if len(columns) == 1 else f"columns {listed}"


def declared_constraints(statement: Statement) -> Iterator[tuple[Node, tuple[str, ...]]]:
    """(Constraint fields, the columns it constrains) for every constraint the statement declares:
    on its new columns, as CREATE TABLE table constraints, or with ALTER TABLE … ADD CONSTRAINT.

    A foreign key's columns are its referencing columns; a CHECK's are empty unless declared
    on a column.
    """
    for column in new_columns(statement):
        for constraint in column.constraints():
            yield constraint, (column.name,)
    node = statement.node
    if statement.kind == "CreateStmt":
        elements = node.get("tableElts") or ()
        table_constraints = [element["Constraint"] for element in elements
                             if "Constraint" in element]
    elif statement.kind == "AlterTableStmt":
        table_constraints = [command["def"]["Constraint"]
                             for command in alter_commands(node, "AT_AddConstraint")]
    else:
        return
    for constraint in table_constraints:
        key = "fk_attrs" if constraint.get("contype") == "CONSTR_FOREIGN" else "keys"
        yield constraint, tuple(names(constraint.get(key)))


def drop_targets(node: Node) -> list[QName]:
    """The names a DropStmt drops, as written: (schema or None, name) for tables, views, types,
    functions (without their arguments), schemas and extensions. Objects that belong to a table
    (triggers, policies, rules) come out as (table, name).
    """
    targets: list[QName] = []
    for item in node.get("objects") or ():
        if "List" in item:
            targets.append(qname_from_list(item["List"]["items"]))
        elif "String" in item:
            targets.append((None, item["String"]["sval"]))
        elif "TypeName" in item:
            targets.append(qname_from_list(item["TypeName"]["names"]))
        elif "ObjectWithArgs" in item:
            targets.append(qname_from_list(item["ObjectWithArgs"]["objname"]))
    return targets


def tables_read(query: Node) -> Iterator[QName]:
    """The relations a query reads in its FROM clauses: `query` is a SelectStmt, or a statement
    with a `selectStmt` (INSERT … SELECT).

    Set operations, CTEs and subqueries in FROM are followed, and references to the query's own
    CTEs are not tables. Subqueries elsewhere (`WHERE NOT EXISTS (…)`) only test rows, they do
    not feed them, so they are left out.
    """
    parts = list(_query_parts(query))
    ctes = {cte["CommonTableExpr"]["ctename"]
            for part in parts for cte in (part.get("withClause") or {}).get("ctes") or ()}
    for part in parts:
        for kind, fields in walk(part.get("fromClause")):
            name = relation_name(fields) if kind == "RangeVar" else None
            if name is not None and not (name[0] is None and name[1] in ctes):
                yield name


def _query_parts(node: Node | None) -> Iterator[Node]:
    """A query's SELECTs: itself, its set-operation branches, its CTEs, an INSERT's SELECT."""
    if not node:
        return
    yield node
    yield from _query_parts(node.get("larg"))
    yield from _query_parts(node.get("rarg"))
    yield from _query_parts((node.get("selectStmt") or {}).get("SelectStmt"))
    for cte in (node.get("withClause") or {}).get("ctes") or ():
        yield from _query_parts(cte["CommonTableExpr"]["ctequery"].get("SelectStmt"))




ColumnChange = Callable[[Any], None]  # mutates a pglast ast.ColumnDef


def rewrite_new_columns(sql: str, changes: Mapping[str, ColumnChange]) -> str | None:
    """`sql` (a CREATE TABLE or ALTER TABLE) with `changes[name]` applied to the definition of
    each new column it names; None when it cannot be rewritten."""

    def change(statement: Any) -> None:
        definitions: list[Any]
        if isinstance(statement, ast.CreateStmt):
            definitions = list(statement.tableElts or ())
        else:
            definitions = [command.def_ for command in statement.cmds or ()
                           if command.subtype == AlterTableType.AT_AddColumn]
        for definition in definitions:
            if isinstance(definition, ast.ColumnDef) and definition.colname in changes:
                changes[str(definition.colname)](definition)

    return rewrite(sql, change)


def set_type(column: Any, type_sql: str, *, keep_modifiers: bool = False) -> None:
    """Give a pglast ColumnDef the type `type_sql` (`bigint`, `text`), keeping array bounds and,
    when asked, the old type modifiers (a timestamp's precision)."""
    select: Any = parse_sql(f"SELECT NULL::{type_sql}")[0].stmt
    new = select.targetList[0].val.typeName
    old = column.typeName
    column.typeName = ast.TypeName(
        names=new.names, typemod=-1, arrayBounds=old.arrayBounds,
        typmods=old.typmods if keep_modifiers else new.typmods,
    )


def retyped(sql: str, columns: list[NewColumn], type_sql: str, *,
            keep_modifiers: bool = False) -> str | None:
    """`sql` with each of `columns` (new columns of that statement) of type `type_sql`."""

    def change(column: Any) -> None:
        set_type(column, type_sql, keep_modifiers=keep_modifiers)

    return rewrite_new_columns(sql, {column.name: change for column in columns})
