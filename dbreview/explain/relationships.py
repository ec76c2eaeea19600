"""The relationship map: tables and their foreign keys, as a Mermaid `erDiagram` (GitHub renders
it in comments and Markdown files) and as plain lines an agent can read.

A map is focused on some tables (those a pull request touches) and also holds their direct
neighbours by foreign key, in both directions, so a reviewer sees what a change connects to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dbreview.explain.facts import (
    ForeignKey,
    display,
    foreign_keys,
    sorted_tables,
    type_text,
)
from dbreview.rules.fixes import sql_name
from dbreview.schema.model import Key, Schema, Table

# Words Mermaid's erDiagram grammar reads as keywords, not as entity names (found with its
# parser: tests/mermaid/validate.mjs).
_MERMAID_KEYWORDS = frozenset({"erdiagram", "style", "classdef", "class", "acctitle", "accdescr",
                               "one", "many", "to", "end"})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_]")
_UNSAFE_TYPE = re.compile(r"[^A-Za-z0-9_()\[\]-]")
# Mermaid crow's feet: the child side (many or one) then the parent side (exactly or at most one).
_CHILD_END = {False: "}o", True: "|o"}  # keyed by one_to_one
_PARENT_END = {False: "||", True: "o|"}  # keyed by optional


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    type: str
    keys: tuple[str, ...]  # PK, FK, UK


@dataclass(frozen=True, slots=True)
class Entity:
    key: Key
    attributes: tuple[Attribute, ...]
    focus: bool  # one of the tables the map is about (not only a neighbour)
    known: bool  # defined by the migrations (auth.users, say, is not)

    @property
    def display(self) -> str:
        return display(self.key)


@dataclass(frozen=True, slots=True)
class RelationshipMap:
    entities: tuple[Entity, ...]
    relationships: tuple[ForeignKey, ...]

    def mermaid(self) -> str:
        """A Mermaid `erDiagram` (without the code fence)."""
        names = _mermaid_names(entity.key for entity in self.entities)
        lines = ["erDiagram"]
        for entity in self.entities:
            lines.extend(_mermaid_entity(entity, names[entity.key]))
        for foreign_key in self.relationships:
            ends = _CHILD_END[foreign_key.one_to_one] + "--" + _PARENT_END[foreign_key.optional]
            label = ", ".join(foreign_key.columns).replace('"', "'")
            lines.append(f'    {names[foreign_key.child]} {ends} {names[foreign_key.parent]} : '
                         f'"{label}"')
        return "\n".join(lines) + "\n"

    def text(self) -> str:
        """One line per foreign key, then the focused tables that have none."""
        known = {entity.key for entity in self.entities if entity.known}
        lines = [_relationship_line(foreign_key, foreign_key.parent in known)
                 for foreign_key in self.relationships]
        connected = {key for foreign_key in self.relationships
                     for key in (foreign_key.child, foreign_key.parent)}
        lines += [f"{sql_name(entity.key)}: no foreign keys, none point to it"
                  for entity in self.entities if entity.focus and entity.key not in connected]
        return "\n".join(lines) + "\n" if lines else "(no tables)\n"


def relationship_map(schema: Schema, tables: Iterable[Key] | None = None) -> RelationshipMap:
    """The map of `tables` (keys of `schema.tables`; None for every table) and their direct
    neighbours. Keys the schema does not hold (a dropped table) are left out."""
    if tables is None:
        focus = {table.key for table in sorted_tables(schema)}
    else:
        focus = {key for key in tables if key in schema.tables}
    relationships = sorted(
        (foreign_key for table in sorted_tables(schema)
         for foreign_key in foreign_keys(schema, table)
         if foreign_key.child in focus or foreign_key.parent in focus),
        key=lambda foreign_key: (foreign_key.child, foreign_key.columns, foreign_key.parent),
    )
    keys = focus | {key for foreign_key in relationships
                    for key in (foreign_key.child, foreign_key.parent)}
    entities = tuple(_entity(schema, key, key in focus, relationships) for key in sorted(keys))
    return RelationshipMap(entities=entities, relationships=tuple(relationships))


def _entity(schema: Schema, key: Key, focus: bool, relationships: list[ForeignKey]) -> Entity:
    table = schema.tables.get(key)
    if table is None:
        return Entity(key=key, attributes=(), focus=False, known=False)
    linked = {column for foreign_key in relationships
              for owner, columns in ((foreign_key.child, foreign_key.columns),
                                     (foreign_key.parent, foreign_key.parent_columns))
              if owner == key for column in columns}
    attributes = tuple(
        Attribute(name, type_text(column), _column_keys(table, name))
        for name, column in table.columns.items()
        # A neighbour shows only what links it to the focused tables, and its key.
        if focus or name in linked or "PK" in _column_keys(table, name)
    )
    return Entity(key=key, attributes=attributes, focus=focus, known=True)


def _column_keys(table: Table, column: str) -> tuple[str, ...]:
    labels = {"primary key": "PK", "foreign key": "FK", "unique": "UK"}
    found = {labels[constraint.kind] for constraint in table.constraints.values()
             if constraint.kind in labels and column in constraint.columns}
    return tuple(label for label in ("PK", "FK", "UK") if label in found)


def _relationship_line(foreign_key: ForeignKey, parent_known: bool) -> str:
    child = _columns_text(foreign_key.child, foreign_key.columns)
    parent = _columns_text(foreign_key.parent, foreign_key.parent_columns)
    notes = [foreign_key.cardinality]
    if foreign_key.optional:
        notes.append("optional")
    if not parent_known:
        notes.append(f"{sql_name(foreign_key.parent)} is not defined by these migrations")
    return f"{child} → {parent} ({', '.join(notes)})"


def _columns_text(key: Key, columns: tuple[str, ...]) -> str:
    """`schema.table.column` or `schema.table.(a, b)`, quoted where SQL needs it."""
    if not columns:
        return sql_name(key)
    quoted = [sql_name(column) for column in columns]
    listed = quoted[0] if len(quoted) == 1 else f"({', '.join(quoted)})"
    return f"{sql_name(key)}.{listed}"


def _mermaid_names(keys: Iterable[Key]) -> dict[Key, str]:
    """A distinct, grammar-safe entity name per table: `tasks` for public.tasks, `auth_users`
    for auth.users; a collision (`a.b_c` and `a_b.c`) gets a number."""
    names: dict[Key, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        base = key[1] if key[0] == "public" else f"{key[0]}_{key[1]}"
        base = _UNSAFE_NAME.sub("_", base)
        if not base[:1].isalpha() or base.lower() in _MERMAID_KEYWORDS:
            base = f"t_{base}"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name.lower())
        names[key] = name
    return names


def _mermaid_entity(entity: Entity, name: str) -> list[str]:
    if not entity.attributes:
        return [f"    {name}"] if entity.focus else []
    lines = [f"    {name} {{"]
    for attribute in entity.attributes:
        type_name = _UNSAFE_TYPE.sub("_", attribute.type.replace(" ", "_"))
        if not type_name[:1].isalpha():
            type_name = f"t_{type_name}"
        column = _UNSAFE_NAME.sub("_", attribute.name)
        if not column[:1].isalpha() and column[:1] != "_":
            column = f"c_{column}"
        keys = f" {', '.join(attribute.keys)}" if attribute.keys else ""
        lines.append(f"        {type_name} {column}{keys}")
    lines.append("    }")
    return lines
