"""The pages of the schema documentation, each rendered from its template in
dbreview/render/templates (`docs_*.md.j2`). Names, comments and SQL come from the migrations:
the templates show them through the `code`, `prose`, `table_cell` and `fence` filters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbreview.config import Config
from dbreview.explain import explain_table, relationship_map
from dbreview.explain.expressions import expression_sql
from dbreview.explain.facts import (
    checked_values,
    default_sql,
    display,
    foreign_keys,
    is_unique,
    logged,
    policy_text,
    sorted_tables,
    trigger_text,
    type_text,
)
from dbreview.explain.tables import TableExplanation, role, security_state, user_policies
from dbreview.render.templating import trusted_template
from dbreview.rules.audit.log import is_excluded, log_table_key
from dbreview.rules.fixes import sql_name
from dbreview.rules.tenancy.tenant_tables import is_nullable, is_tenant_table, tenant_column
from dbreview.schema.load import History, Step
from dbreview.schema.model import Constraint, Key, Schema, Table

_HEADER_MARKS = re.compile(r"^\s*(--+|/\*+|\*+/?)\s?|\s*\*+/\s*$", re.MULTILINE)
_WHY_LIMIT = 300


@dataclass(frozen=True, slots=True)
class ColumnRow:
    name: str
    type: str
    null: str
    default: str | None
    meaning: str


@dataclass(frozen=True, slots=True)
class IndexRow:
    name: str
    columns: str
    unique: bool
    partial: bool
    method: str


def table_page(schema: Schema, key: Key, config: Config,
               explanation: TableExplanation | None = None) -> str:
    """`docs/schema/tables/<table>.md` for one table; KeyError when the schema has none.
    `explanation` is the table's `explain_table`, when the caller has it already."""
    explanation = explanation or explain_table(schema, key, config)
    table = schema.tables[key]
    meanings = {entry.term: entry.meaning for entry in explanation.glossary}
    mapped = relationship_map(schema, [key])
    return trusted_template("docs_table.md.j2").render(
        table=table, role=f"It is {role(schema, table, config)}.",
        columns=[ColumnRow(name, type_text(column),
                           "nullable" if is_nullable(table, column) else "not null",
                           default_sql(column), meanings.get(f"{table.name}.{name}", ""))
                 for name, column in table.columns.items()],
        constraints=[(constraint.name, _constraint_text(schema, constraint))
                     for constraint in table.constraints.values()],
        indexes=[IndexRow(index.name, ", ".join(column or "(expression)"
                                                for column in index.columns),
                          index.unique, index.partial, index.method)
                 for index in table.indexes.values()],
        relationships=mapped.text().splitlines() if mapped.relationships else [],
        mermaid=mapped.mermaid(), security=security_state(schema, table),
        policies=[policy_text(policy) for policy in user_policies(schema, table)],
        triggers=[trigger_text(trigger) for trigger in table.triggers.values()],
        logged=logged(table, config), log_table=display(log_table_key(schema, config.audit)),
        example_query=explanation.example_query,
        no_example=_no_example(table, config),
    )


def _constraint_text(schema: Schema, constraint: Constraint) -> str:
    columns = ", ".join(constraint.columns)
    pending = " (NOT VALID: existing rows are not checked yet)" if not constraint.validated else ""
    if constraint.kind == "check" and constraint.expression:
        return f"check `{expression_sql(constraint.expression)}`{pending}"
    if constraint.kind == "foreign key" and constraint.references is not None:
        target = schema.tables.get(constraint.references)
        parent_columns = constraint.ref_columns or (
            target.primary_key.columns if target and target.primary_key else ())
        listed = f" ({', '.join(parent_columns)})" if parent_columns else ""
        return (f"foreign key ({columns}) → `{sql_name(constraint.references)}`{listed}"
                f"{pending}")
    return f"{constraint.kind} ({columns}){pending}"


def _no_example(table: Table, config: Config) -> str:
    if is_tenant_table(table, config):
        return (f"No tenant-scoped example: the table has no `{config.tenancy.column}` column "
                "to filter by.")
    return "No tenant-scoped example: the table is not a tenant table."


def relationships_page(schema: Schema) -> str:
    mapped = relationship_map(schema)
    return trusted_template("docs_relationships.md.j2").render(
        mermaid=mapped.mermaid(), lines=mapped.text().splitlines(),
        empty=not mapped.entities)


def enums_page(schema: Schema) -> str:
    value_lists = [(f"{table.display}.{name}", values)
                   for table in sorted_tables(schema) for name, column in table.columns.items()
                   if (values := checked_values(table, column))]
    enums = [(display(key), values) for key, values in sorted(schema.enums.items())]
    return trusted_template("docs_enums.md.j2").render(enums=enums, value_lists=value_lists)


def triggers_page(schema: Schema, config: Config) -> str:
    tables = sorted_tables(schema)
    log_key = log_table_key(schema, config.audit)
    unlogged = [table.display for table in tables
                if is_tenant_table(table, config) and not logged(table, config)
                and not is_excluded(table, config.audit)]
    return trusted_template("docs_triggers.md.j2").render(
        triggers=[(table.display, trigger_text(trigger))
                  for table in tables for trigger in table.triggers.values()],
        log_table=display(log_key), log_exists=log_key in schema.tables,
        function=config.audit.function, excluded=config.audit.exclude,
        logged=[table.display for table in tables if logged(table, config)],
        unlogged=unlogged,
    )


def index_strategy_page(schema: Schema, config: Config) -> str:
    column = config.tenancy.column
    rows = []
    for table in sorted_tables(schema):
        tenant = is_tenant_table(table, config) and tenant_column(table, config) is not None
        missing_tenant = tenant and not table.has_index_led_by((column,))
        # A tenant table's missing tenant index is named once, not again as a foreign key's.
        unindexed = [", ".join(fk.columns) for fk in foreign_keys(schema, table)
                     if not table.has_index_led_by(fk.columns)
                     and not is_unique(table, fk.columns)
                     and not (missing_tenant and fk.columns == (column,))]
        rows.append((table.display, [", ".join(c or "(expression)" for c in index.columns)
                                     for index in table.indexes.values()],
                     missing_tenant, unindexed))
    return trusted_template("docs_index_strategy.md.j2").render(rows=rows, column=column)


def rls_rules_page(schema: Schema, config: Config) -> str:
    tables = [(table.display, security_state(schema, table),
               [policy_text(policy) for policy in user_policies(schema, table)],
               is_tenant_table(table, config))
              for table in sorted_tables(schema) if table.kind in ("table", "partitioned table")]
    return trusted_template("docs_rls_rules.md.j2").render(
        tables=tables, column=config.tenancy.column,
        expression=config.tenancy.policy_expression)


def migrations_summary_page(history: History) -> str:
    return trusted_template("docs_migrations_summary.md.j2").render(
        steps=[(step, why(step)) for step in history.steps])


def why(step: Step) -> str:
    """The migration's header comment on one line, without comment marks."""
    text = " ".join(_HEADER_MARKS.sub(" ", step.header).split())
    return text if len(text) <= _WHY_LIMIT else text[:_WHY_LIMIT].rsplit(" ", 1)[0] + " …"


def backup_policy_page() -> str:
    return trusted_template("docs_backup_policy.md.j2").render()


def index_page(schema: Schema, config: Config, table_links: dict[Key, str],
               page_links: list[tuple[str, str]]) -> str:
    """The front page: every table with its role, then the schema-wide pages (title, link)."""
    tables = [(table.display, table_links[table.key], role(schema, table, config))
              for table in sorted_tables(schema) if table.key in table_links]
    return trusted_template("docs_index.md.j2").render(tables=tables, pages=page_links)
