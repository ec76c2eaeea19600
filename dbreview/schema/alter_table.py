"""ALTER TABLE subcommands and table constraints, applied to the schema model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dbreview.schema.model import Constraint, Key, Origin, Schema, Table
from dbreview.schema.types import type_ref
from dbreview.sql.nodes import Node, def_elems, names, option_value, relation_name

if TYPE_CHECKING:
    from dbreview.schema.replay import Replay

_KINDS = {
    "CONSTR_PRIMARY": ("primary key", "pkey"),
    "CONSTR_UNIQUE": ("unique", "key"),
    "CONSTR_FOREIGN": ("foreign key", "fkey"),
    "CONSTR_CHECK": ("check", "check"),
    "CONSTR_EXCLUSION": ("exclude", "excl"),
}


def default_name(table: str, columns: Iterable[str | None], suffix: str) -> str:
    """PostgreSQL's name for an unnamed constraint or index (before truncation)."""
    if suffix == "pkey":
        return f"{table}_pkey"
    named = [column for column in columns if column]
    if not named and suffix != "check":
        named = ["expr"]
    return "_".join([table, *named, suffix])


def constraint_from_node(
    schema: Schema, table: Table, node: Node, columns: tuple[str, ...], origin: Origin
) -> Constraint | None:
    kind_suffix = _KINDS.get(node.get("contype", ""))
    if kind_suffix is None:
        return None
    kind, suffix = kind_suffix
    if kind == "foreign key":
        columns = tuple(names(node.get("fk_attrs"))) or columns
    elif kind == "exclude":
        columns = tuple(
            element["List"]["items"][0].get("IndexElem", {}).get("name")
            for element in node.get("exclusions") or ()
        )
    elif kind != "check":
        columns = tuple(names(node.get("keys"))) or columns
        if node.get("indexname"):
            index = schema.indexes.get((table.schema, node["indexname"]))
            columns = tuple(c for c in index.columns if c) if index else columns
    references: Key | None = None
    if kind == "foreign key":
        referenced = relation_name(node.get("pktable"))
        references = schema.key(referenced) if referenced else None
    return Constraint(
        name=node.get("conname") or default_name(table.name, columns, suffix),
        kind=kind,
        columns=columns,
        validated=not node.get("skip_validation", False),
        references=references,
        ref_columns=tuple(names(node.get("pk_attrs"))),
        expression=node.get("raw_expr"),
        origin=origin,
    )


def apply_alter_table(replay: Replay, table: Table, commands: Iterable[Node]) -> None:
    from dbreview.schema.replay import add_column, add_constraint

    for item in commands:
        command = item.get("AlterTableCmd")
        if command is None:
            continue
        subtype = command.get("subtype", "")
        name = command.get("name", "")
        column = table.columns.get(name)
        definition = command.get("def") or {}
        if subtype == "AT_AddColumn":
            column_def = definition["ColumnDef"]
            if column_def.get("colname") in table.columns and command.get("missing_ok"):
                continue
            add_column(replay, table, column_def)
        elif subtype == "AT_DropColumn":
            _drop_column(table, name)
        elif subtype == "AT_AlterColumnType" and column is not None:
            column.type = type_ref(definition["ColumnDef"]["typeName"])
        elif subtype == "AT_SetNotNull" and column is not None:
            column.not_null = True
        elif subtype == "AT_DropNotNull" and column is not None:
            column.not_null = False
        elif subtype == "AT_ColumnDefault" and column is not None:
            column.default = definition or None
        elif subtype in ("AT_AddIdentity", "AT_DropIdentity") and column is not None:
            column.identity = subtype == "AT_AddIdentity"
        elif subtype in ("AT_AddConstraint", "AT_AddIndexConstraint"):
            add_constraint(replay, table, definition["Constraint"])
        elif subtype == "AT_DropConstraint":
            dropped = table.constraints.pop(name, None)
            if dropped is not None and dropped.kind in ("primary key", "unique", "exclude"):
                table.indexes.pop(name, None)
                replay.schema.indexes.pop((table.schema, name), None)
        elif subtype == "AT_ValidateConstraint" and name in table.constraints:
            table.constraints[name].validated = True
        elif subtype in _RLS_FLAGS:
            attribute, value = _RLS_FLAGS[subtype]
            setattr(table, attribute, value)
        elif subtype in ("AT_SetLogged", "AT_SetUnLogged"):
            table.options["unlogged"] = subtype == "AT_SetUnLogged"
        elif subtype == "AT_SetAccessMethod":
            table.options["access_method"] = command.get("name") or "heap"
        elif subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
            _set_options(table, definition, reset=subtype == "AT_ResetRelOptions")


_RLS_FLAGS = {
    "AT_EnableRowSecurity": ("rls_enabled", True),
    "AT_DisableRowSecurity": ("rls_enabled", False),
    "AT_ForceRowSecurity": ("rls_forced", True),
    "AT_NoForceRowSecurity": ("rls_forced", False),
}


def _drop_column(table: Table, name: str) -> None:
    table.columns.pop(name, None)
    for index_name in [n for n, index in table.indexes.items() if name in index.columns]:
        del table.indexes[index_name]
    for constraint_name in [n for n, c in table.constraints.items() if name in c.columns]:
        del table.constraints[constraint_name]


def _set_options(table: Table, definition: Node | list[Node], *, reset: bool) -> None:
    items = definition if isinstance(definition, list) else definition.get("List", {}).get(
        "items", []
    )
    for name, value in def_elems(items).items():
        if reset:
            table.options.pop(name, None)
        else:
            table.options[name] = option_value(value)
