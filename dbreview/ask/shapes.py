"""Questions answered exactly from the schema model, without an LLM.

Each shape is a pattern over the question and a function from the schema to a Markdown answer
(or None when the question names no table the schema knows, so the next shape may try). Names
from the migrations are untrusted: they go out as code spans or escaped text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dbreview.config import Config
from dbreview.explain.facts import (
    display,
    foreign_keys,
    policy_text,
    referencing,
    sorted_tables,
    type_text,
)
from dbreview.explain.tables import explain_table, role
from dbreview.render.templating import code, fence, inline
from dbreview.rules.tenancy.tenant_tables import TABLE_KINDS, is_tenant_table, tenant_column
from dbreview.schema.model import Key, Schema, Table

_NAME = r'(?:the\s+)?(?P<name>"?[\w$]+"?(?:\."?[\w$]+"?)?)'
_RLS = r"(?:rls|row[\s-]level[\s-]security)"
_END = r"(?=\s+table\b|\s*[?.!]?\s*$)"  # "explain X" is about a table only when X ends it
_LIST_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Shape:
    pattern: re.Pattern[str]
    answer: Callable[[Schema, Config, str | None], str | None]
    example: str


def answer_from_schema(question: str, schema: Schema, config: Config) -> str | None:
    """The exact answer to a question of a known shape; None for any other question."""
    for shape in SHAPES:
        match = shape.pattern.search(question)
        if match is not None:
            answer = shape.answer(schema, config, match.groupdict().get("name"))
            if answer is not None:
                return answer
    return None


def help_text(schema: Schema) -> str:
    examples = "\n".join(f"- {shape.example}" for shape in SHAPES)
    names = [table.display for table in sorted_tables(schema)]
    listed = ", ".join(code(name) for name in names[:_LIST_LIMIT])
    more = f" and {len(names) - _LIST_LIMIT} more" if len(names) > _LIST_LIMIT else ""
    tables = f"Tables in the schema: {listed}{more}." if names else \
        "The migrations define no tables yet."
    return ("Without an LLM (see `llm` in the configuration), I answer questions like these:\n\n"
            f"{examples}\n\n{tables}\n")


def find_table(schema: Schema, name: str | None, candidates: set[Key] | None = None) -> Key | None:
    """The table a question means by `name`: qualified or through the search path, as written
    or in its singular or plural form."""
    if not name:
        return None
    pool = set(schema.tables) | (candidates or set())
    qualifier, _, bare = name.replace('"', "").lower().rpartition(".")
    forms = dict.fromkeys([bare, f"{bare}s", f"{bare}es", bare.removesuffix("s"),
                           bare.removesuffix("es"), re.sub(r"y$", "ies", bare)])
    schemas = [qualifier] if qualifier else [*schema.search_path,
                                            *sorted({owner for owner, _ in pool})]
    return next(((owner, form) for form in forms for owner in schemas if (owner, form) in pool),
                None)


def _references(schema: Schema, config: Config, name: str | None) -> str | None:
    parents = {foreign_key.parent for table in sorted_tables(schema)
               for foreign_key in foreign_keys(schema, table)}
    key = find_table(schema, name, parents)
    if key is None:
        return None
    keys = referencing(schema, key)
    if not keys:
        return f"No table references {code(display(key))}.\n"
    lines = [f"**Tables that reference {code(display(key))}** ({len(keys)}):", ""]
    lines += [f"- {code(display(foreign_key.child))}: {code(', '.join(foreign_key.columns))} → "
              f"{code(display(key))}, {foreign_key.cardinality}"
              + (", optional" if foreign_key.optional else "")
              for foreign_key in keys]
    return "\n".join(lines) + "\n"


def _tenant_tables(schema: Schema, config: Config) -> list[Table]:
    return [table for table in sorted_tables(schema)
            if is_tenant_table(table, config) and tenant_column(table, config) is not None]


def _tenant_indexes(schema: Schema, config: Config, name: str | None) -> str:
    column = config.tenancy.column
    served, unserved = [], []
    for table in _tenant_tables(schema, config):
        indexes = [index for index in table.indexes.values() if index.leading == column]
        if not indexes:
            unserved.append(f"- {code(table.display)}")
            continue
        described = ", ".join(
            f"{code(index.name)} ({code(', '.join(c or '(expression)' for c in index.columns))}"
            + (", partial" if index.partial else "") + ")" for index in indexes)
        served.append(f"- {code(table.display)}: {described}")
    if not served and not unserved:
        return f"No tenant table (a table with a {code(column)} column) in the schema.\n"
    lines = [f"**Indexes that serve tenant queries** (they lead with {code(column)}):", "",
             *(served or ["- none"])]
    if unserved:
        lines += ["", "**Tenant tables without one** (a query for one tenant reads the whole "
                      "table):", "", *unserved]
    return "\n".join(lines) + "\n"


def _without_rls(schema: Schema, config: Config, name: str | None) -> str:
    tables = [table for table in sorted_tables(schema) if table.kind in TABLE_KINDS]
    off = [table for table in tables if not table.rls_enabled]
    closed = [table for table in tables if table.rls_enabled and not table.policies]
    lines = [f"**Tables without row level security** ({len(off)}):", ""]
    lines += [f"- {code(table.display)}" + (" (tenant table)" if is_tenant_table(table, config)
                                            else "") for table in off] or ["- none"]
    if closed:
        lines += ["", "**RLS enabled but no policy** (nobody but the owner and service roles "
                      "can read them):", "", *(f"- {code(table.display)}" for table in closed)]
    return "\n".join(lines) + "\n"


def _policies(schema: Schema, config: Config, name: str | None) -> str | None:
    key = find_table(schema, name)
    if key is None:
        return None
    table = schema.tables[key]
    state = "enabled" if table.rls_enabled else "**disabled** (policies have no effect)"
    lines = [f"**Policies on {code(table.display)}**: row level security {state}.", ""]
    lines += [f"- {code(policy_text(policy))}" for policy in table.policies.values()] \
        or ["- none"]
    return "\n".join(lines) + "\n"


def _columns(schema: Schema, config: Config, name: str | None) -> str | None:
    key = find_table(schema, name)
    if key is None:
        return None
    table = schema.tables[key]
    primary = table.primary_key.columns if table.primary_key else ()
    lines = [f"**Columns of {code(table.display)}** ({len(table.columns)}):", ""]
    lines += [f"- {code(column.name)} {code(type_text(column))}"
              + (", primary key" if column.name in primary else "")
              + (", not null" if column.not_null else "")
              + (f": {inline(column.comment)}" if column.comment else "")
              for column in table.columns.values()]
    return "\n".join(lines) + "\n"


def _explain(schema: Schema, config: Config, name: str | None) -> str | None:
    key = find_table(schema, name)
    if key is None:
        return None
    explanation = explain_table(schema, key, config)
    lines = [f"**{code(explanation.table)}**", "", inline(explanation.paragraph), ""]
    if explanation.glossary:
        lines += [f"- **{inline(entry.term)}**: {inline(entry.meaning)}"
                  for entry in explanation.glossary]
        lines.append("")
    if explanation.example_query:
        lines += ["Reading one tenant's rows:", "", fence(explanation.example_query, "sql"), ""]
    return "\n".join(lines)


def _list_tables(schema: Schema, config: Config, name: str | None) -> str:
    tables = sorted_tables(schema)
    if not tables:
        return "The migrations define no tables yet.\n"
    lines = [f"**Tables** ({len(tables)}):", ""]
    lines += [f"- {code(table.display)}: {inline(role(schema, table, config))}"
              for table in tables]
    return "\n".join(lines) + "\n"


SHAPES = (
    Shape(re.compile(r"\b(?:referenc\w*|point(?:s|ing)?\s+(?:at|to)|foreign\s+keys?\s+"
                     rf"(?:to|into|on)|depend(?:s|ing)?\s+on|link(?:s|ed)?\s+to)\s+{_NAME}",
                     re.IGNORECASE),
          _references, "Which tables reference users?"),
    Shape(re.compile(r"\bindex\w*\b.*\btenant|\btenant\w*\b.*\bindex", re.IGNORECASE),
          _tenant_indexes, "Which indexes serve tenant queries?"),
    Shape(re.compile(rf"\b(?:without|no|missing|lack\w*)\s+{_RLS}|{_RLS}\b.*\b(?:disabled|off|"
                     r"missing|not\s+enabled)\b", re.IGNORECASE),
          _without_rls, "Which tables have no row level security?"),
    Shape(re.compile(rf"\bpolic(?:y|ies)\b.*?\b(?:on|for|of)\s+{_NAME}", re.IGNORECASE),
          _policies, "What policies are on projects?"),
    Shape(re.compile(rf"\b(?:columns?|fields?)\s+(?:of|in|on|for|does)\s+{_NAME}", re.IGNORECASE),
          _columns, "What are the columns of tasks?"),
    Shape(re.compile(r"\b(?:explain|describe|tell\s+me\s+about|what\s+is|what's|what\s+does)\s+"
                     rf"(?:the\s+)?(?:(?:purpose|role|meaning)\s+of\s+)?{_NAME}{_END}",
                     re.IGNORECASE),
          _explain, "Explain the purpose of the invoices table."),
    Shape(re.compile(r"\b(?:list|show|which|what)\b.*\btables\b", re.IGNORECASE),
          _list_tables, "List the tables."),
)
