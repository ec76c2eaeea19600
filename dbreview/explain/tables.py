"""A table explained without an LLM: a plain-language paragraph built from its columns, keys,
comments (`COMMENT ON`), relationships, row level security and triggers; a glossary of its
terms; and, for a tenant table, an example query that filters by tenant the way its policies do
and that an index leading with the tenant column can serve.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dbreview.config import Config
from dbreview.explain.expressions import expression_sql
from dbreview.explain.facts import (
    ForeignKey,
    allowed_values,
    default_sql,
    display,
    foreign_keys,
    logged,
    policy_text,
    referencing,
    trigger_text,
    type_text,
    unique_column_sets,
)
from dbreview.rules.audit.log import log_table_key
from dbreview.rules.fixes import parses, sql_name
from dbreview.rules.isolation.policy_analysis import applies_to_users, constrains_tenant
from dbreview.rules.tenancy.generated_sql import tenant_condition
from dbreview.rules.tenancy.tenant_tables import (
    is_nullable,
    is_tenant_table,
    names_entry,
    tenant_column,
)
from dbreview.schema.model import Column, Index, Key, Policy, Schema, Table
from dbreview.schema.types import TypeRef
from dbreview.secrets import mask_secrets

EXAMPLE_LIMIT = 50
_TIME_TYPES = frozenset({"timestamptz", "timestamp", "date"})


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    meaning: str


@dataclass(frozen=True, slots=True)
class TableExplanation:
    table: str  # schema.name
    paragraph: str
    glossary: list[GlossaryEntry]
    example_query: str | None  # tenant tables only


def explain_table(schema: Schema, key: Key, config: Config) -> TableExplanation:
    """The explanation of `schema.tables[key]`; KeyError when the schema has no such table.
    It quotes defaults, checks and comments, which may hold a credential: masked here, so no
    caller (review, `explain`, the docs, the App's replies) can print one."""
    table = schema.tables.get(key)
    if table is None:
        raise KeyError(f"{display(key)} is not a table of the schema")
    query = example_query(schema, table, config)
    return TableExplanation(
        table=table.display,
        paragraph=mask_secrets(_paragraph(schema, table, config)),
        glossary=[GlossaryEntry(entry.term, mask_secrets(entry.meaning))
                  for entry in _glossary(schema, table, config)],
        example_query=mask_secrets(query) if query else None,
    )


# The paragraph ---------------------------------------------------------------------------------


def role(schema: Schema, table: Table, config: Config) -> str:
    """What the table is for the tenancy and audit conventions, as a sentence fragment."""
    if table.kind not in ("table", "partitioned table"):
        return f"a {table.kind}"
    if table.key == log_table_key(schema, config.audit):
        return "the activity log: one row per recorded insert, update or delete"
    tenancy = config.tenancy
    if table.schema in tenancy.schemas and names_entry(tenancy.tenants_table, table.key):
        return "the tenants table: one row per tenant, which tenant tables point to"
    if is_tenant_table(table, config):
        if tenant_column(table, config) is None:
            return (f"a tenant table without a {tenancy.column} column: nothing ties its rows "
                    "to a tenant")
        return f"a tenant table: each row belongs to one tenant, through {tenancy.column}"
    if table.schema in tenancy.schemas:
        return "a table shared by all tenants (listed in tenancy.global_tables)"
    return "a table outside the tenant schemas"


def _paragraph(schema: Schema, table: Table, config: Config) -> str:
    opening = (f"{table.display}: {_sentence(table.comment)} It is {role(schema, table, config)}."
               if table.comment else f"{table.display} is {role(schema, table, config)}.")
    sentences = [opening, _columns_sentence(schema, table), _key_sentence(table)]
    sentences += _relationship_sentences(schema, table)
    unique = unique_column_sets(table)
    if unique:
        sentences.append("Unique per " + _and(f"({', '.join(columns)})" for columns in unique)
                         + ".")
    indexes = [index for index in table.indexes.values() if index.name not in table.constraints]
    if indexes:
        sentences.append("Indexed on " + _and(_index_columns(index) for index in indexes) + ".")
    sentences.append(_security_sentence(schema, table))
    sentences += _trigger_sentences(table, config)
    return " ".join(sentence for sentence in sentences if sentence)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _and(items: Iterable[str]) -> str:
    listed = list(items)
    if len(listed) <= 2:
        return " and ".join(listed)
    return ", ".join(listed[:-1]) + f" and {listed[-1]}"


def _columns_sentence(schema: Schema, table: Table) -> str:
    if not table.columns:
        return "Its columns are not known from the migrations."
    described = [f"{name} ({_column_facts(schema, table, column)})"
                 for name, column in table.columns.items()]
    return f"Columns: {', '.join(described)}."


def _column_facts(schema: Schema, table: Table, column: Column) -> str:
    facts = [type_text(column), "optional" if is_nullable(table, column) else "required"]
    values = allowed_values(schema, table, column)
    if values:
        facts.append("one of " + ", ".join(values))
    default = default_sql(column)
    if default:
        facts.append(f"default {default}")
    if column.generated:
        facts.append("generated")
    return ", ".join(facts)


def _key_sentence(table: Table) -> str:
    key = table.primary_key
    if key is None:
        return "It has no primary key."
    return f"Its primary key is {', '.join(key.columns)}."


def _relationship_sentences(schema: Schema, table: Table) -> list[str]:
    sentences = []
    outgoing = foreign_keys(schema, table)
    required = [_target(fk) for fk in outgoing if not fk.optional]
    optional = [_target(fk) for fk in outgoing if fk.optional]
    if required:
        sentences.append(f"Each row points to {_and(required)}.")
    if optional:
        sentences.append(f"A row may point to {_and(optional)}.")
    incoming = [fk for fk in referencing(schema, table.key) if fk.child != table.key]
    if incoming:
        sources = _and(f"{display(fk.child)} ({', '.join(fk.columns)})" for fk in incoming)
        sentences.append(f"Rows of {sources} point to it.")
    return sentences


def _target(foreign_key: ForeignKey) -> str:
    columns = ", ".join(foreign_key.columns)
    parent_columns = ", ".join(foreign_key.parent_columns)
    arrow = f"{columns} → {parent_columns}" if parent_columns else columns
    return f"a row of {display(foreign_key.parent)} ({arrow})"


def _reference(foreign_key: ForeignKey) -> str:
    columns = foreign_key.parent_columns
    return display(foreign_key.parent) + (f".{columns[0]}" if len(columns) == 1 else "")


def _index_columns(index: Index) -> str:
    return f"({', '.join(column or '(expression)' for column in index.columns)})"


def _security_sentence(schema: Schema, table: Table) -> str:
    state = security_state(schema, table)
    policies = user_policies(schema, table)
    if not policies:
        return state
    return f"{state.removesuffix('.')}: {'; '.join(policy_text(p) for p in policies)}."


def user_policies(schema: Schema, table: Table) -> list[Policy]:
    """The policies that apply to some role which does not bypass row level security."""
    return [policy for policy in table.policies.values() if applies_to_users(policy, schema)]


def security_state(schema: Schema, table: Table) -> str:
    """Whether row level security is on, and how many policies let ordinary users in."""
    if table.kind not in ("table", "partitioned table"):
        return ""
    if not table.rls_enabled:
        return ("Row level security is off: any role with privileges on the table reads every "
                "row.")
    count = len(user_policies(schema, table))
    if not count:
        return ("Row level security is on and no policy admits ordinary users, so only roles "
                "that bypass it (service_role) read or write rows.")
    forced = ", forced for the table owner too," if table.rls_forced else ""
    return f"Row level security is on{forced} with {count} polic{'y' if count == 1 else 'ies'}."


def _trigger_sentences(table: Table, config: Config) -> list[str]:
    if not table.triggers:
        return []
    listed = "; ".join(trigger_text(trigger) for trigger in table.triggers.values())
    sentences = [f"Triggers: {listed}."]
    if logged(table, config):
        sentences.append("Every insert, update and delete is recorded in the activity log.")
    return sentences


# The glossary ----------------------------------------------------------------------------------


def _glossary(schema: Schema, table: Table, config: Config) -> list[GlossaryEntry]:
    described = _sentence(table.comment or role(schema, table, config))
    meaning = described[:1].upper() + described[1:]
    entries = [GlossaryEntry(table.display, meaning)]
    references = {fk.columns[0]: fk for fk in foreign_keys(schema, table) if len(fk.columns) == 1}
    for name, column in table.columns.items():
        parts = []
        if column.comment:
            parts.append(" ".join(column.comment.split()).rstrip("."))
        if name == config.tenancy.column and is_tenant_table(table, config):
            parts.append("the tenant that owns the row")
        if name in references:
            parts.append(f"refers to {_reference(references[name])}")
        values = allowed_values(schema, table, column)
        if values:
            parts.append("one of " + ", ".join(values))
        if parts:
            entries.append(GlossaryEntry(f"{table.name}.{name}", "; ".join(parts)))
    return entries


# The example query -----------------------------------------------------------------------------


def example_query(schema: Schema, table: Table, config: Config) -> str | None:
    """A read of one tenant's rows that the table's policies admit and an index serves; None
    for a table that is not a tenant table with its tenant column."""
    column = tenant_column(table, config)
    if column is None or not is_tenant_table(table, config):
        return None
    condition, source = _tenant_filter(schema, table, config)
    index = _tenant_index(schema, table, column.name)
    clauses, purpose = _index_clauses(schema, table, index)
    columns = ", ".join(sql_name(name) for name in table.columns)
    served = (f"index {index.name} {_index_columns(index)} serves it" if index is not None
              else f"no index leads with {column.name} yet, so it reads the whole table")
    comments = [f"{table.display}: the rows of the signed-in user's tenants{purpose}.",
                f"Filters by tenant {source}; {served}."]
    # split/join: a quoted identifier may hold a line break, which would end a comment early.
    header = "".join(f"-- {' '.join(line.split())}\n" for line in comments)
    query = f"{header}SELECT {columns}\nFROM {sql_name(table.key)}\nWHERE {condition}{clauses};"
    return query if parses(query) else None


def _tenant_filter(schema: Schema, table: Table, config: Config) -> tuple[str, str]:
    """The USING condition of a policy that lets users read rows by tenant (the query then asks
    exactly for what row level security admits), else `tenancy.policy_expression`."""
    column = config.tenancy.column
    for policy in table.policies.values():
        if (policy.permissive and policy.command in ("select", "all") and policy.using
                and applies_to_users(policy, schema)
                and constrains_tenant(policy.using, column, table.name)):
            condition = expression_sql(policy.using)
            if policy.using.get("BoolExpr", {}).get("boolop") == "OR_EXPR":
                condition = f"({condition})"
            return condition, f"as policy {policy.name} does"
    return tenant_condition(config), "with tenancy.policy_expression"


def _tenant_index(schema: Schema, table: Table, column: str) -> Index | None:
    """The index leading with the tenant column that best serves a list: one ordered by time,
    then one filtered by a known value, then any."""
    candidates = [index for index in table.indexes.values()
                  if index.leading == column and not index.partial]
    return min(candidates, key=lambda index: (_index_rank(schema, table, index), index.name),
               default=None)


def _index_rank(schema: Schema, table: Table, index: Index) -> int:
    second = _second_column(table, index)
    if second is None:
        return 3
    if _is_time(second.type):
        return 0
    return 1 if allowed_values(schema, table, second) else 2


def _second_column(table: Table, index: Index) -> Column | None:
    name = index.columns[1] if len(index.columns) > 1 else None
    return table.columns.get(name) if name is not None else None


def _is_time(type_ref: TypeRef | None) -> bool:
    return type_ref is not None and type_ref.name in _TIME_TYPES and not type_ref.array


def _index_clauses(schema: Schema, table: Table, index: Index | None) -> tuple[str, str]:
    """What to add after the tenant filter so the index serves the query, and how the rows
    come (for the query's comment)."""
    second = _second_column(table, index) if index is not None else None
    limit = f"\nLIMIT {EXAMPLE_LIMIT}"
    if second is None:
        return limit, ""
    name = sql_name(second.name)
    if _is_time(second.type):
        return f"\nORDER BY {name} DESC{limit}", f", newest first by {second.name}"
    values = allowed_values(schema, table, second)
    if values:
        literal = "'" + values[0].replace("'", "''") + "'"
        return f"\n  AND {name} = {literal}{limit}", f" with {second.name} = {literal}"
    return f"\nORDER BY {name}{limit}", f", in {second.name} order"
