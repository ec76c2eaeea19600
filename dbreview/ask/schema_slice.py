"""The part of the schema model a prompt needs: the tables in question and their neighbours by
foreign key, each described in a few short strings, secrets masked, up to a size."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from dbreview.config import Config
from dbreview.explain.facts import display, foreign_keys, policy_text, referencing, type_text
from dbreview.explain.tables import role
from dbreview.llm.containment import outgoing
from dbreview.schema.model import Key, Schema, Table

_TEXT_LIMIT = 500  # one comment or policy


def neighbourhood(schema: Schema, keys: Iterable[Key]) -> list[Key]:
    """`keys` (those the schema knows), then the tables they reference and that reference
    them."""
    chosen = [key for key in dict.fromkeys(keys) if key in schema.tables]
    around: list[Key] = []
    for key in chosen:
        table = schema.tables[key]
        around += [foreign_key.parent for foreign_key in foreign_keys(schema, table)]
        around += [foreign_key.child for foreign_key in referencing(schema, key)]
    return chosen + [key for key in dict.fromkeys(around)
                     if key in schema.tables and key not in chosen]


def schema_slice(schema: Schema, keys: Iterable[Key], config: Config,
                 limit: int) -> list[dict[str, Any]]:
    """Descriptions of the tables of `keys`, in order, while they fit in `limit` characters."""
    described: list[dict[str, Any]] = []
    size = 0
    for key in keys:
        facts = table_facts(schema, schema.tables[key], config)
        size += len(json.dumps(facts, ensure_ascii=False))
        if size > limit:
            break
        described.append(facts)
    return described


def table_facts(schema: Schema, table: Table, config: Config) -> dict[str, Any]:
    facts: dict[str, Any] = {"table": table.display, "role": role(schema, table, config)}
    if table.new:
        facts["created_by_this_change"] = True
    if table.comment:
        facts["comment"] = outgoing(table.comment, _TEXT_LIMIT)
    facts["columns"] = [
        f"{name} {type_text(column)}{' not null' if column.not_null else ''}"
        + (f" -- {outgoing(column.comment, _TEXT_LIMIT)}" if column.comment else "")
        for name, column in table.columns.items()
    ]
    if table.primary_key is not None:
        facts["primary_key"] = list(table.primary_key.columns)
    facts["foreign_keys"] = [
        f"({', '.join(key.columns)}) -> {display(key.parent)}({', '.join(key.parent_columns)})"
        for key in foreign_keys(schema, table)
    ]
    facts["indexes"] = [
        f"{index.name} ({', '.join(column or '(expression)' for column in index.columns)})"
        + (" unique" if index.unique else "") + (" partial" if index.partial else "")
        for index in table.indexes.values()
    ]
    facts["row_level_security"] = table.rls_enabled
    facts["policies"] = [outgoing(policy_text(policy), _TEXT_LIMIT)
                         for policy in table.policies.values()]
    return facts
