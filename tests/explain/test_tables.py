"""Table explanations: the paragraph, the glossary and the tenant example query."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parse_sql

from dbreview.config import parse_config
from dbreview.explain import GlossaryEntry, explain_table
from tests.explain.schemas import PROJECT_SCHEMA, TENANTS, schema_of

CONFIG = parse_config({}, "test config")


def test_the_paragraph_tells_what_the_table_holds_and_how_it_is_protected(
    tmp_path: Path,
) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    paragraph = explain_table(schema, ("public", "tasks"), CONFIG).paragraph
    expected = [
        "public.tasks: Work items of a project. It is a tenant table: each row belongs to one "
        "tenant, through tenant_id.",
        "status (text, required, one of open, done, default 'open')",
        "parent_id (uuid, optional)",
        "Its primary key is id.",
        "Each row points to a row of public.tenants (tenant_id → id) and a row of "
        "public.projects (project_id → id).",
        "A row may point to a row of public.tasks (parent_id → id).",
        "Rows of public.tags (task_id) point to it.",
        "Indexed on (tenant_id, status) and (tenant_id, created_at).",
        "Row level security is on with 1 policy: tasks_members: SELECT for authenticated, "
        "USING (tenant_id = (SELECT CAST(auth.jwt() ->> 'tenant_id' AS uuid))).",
        "Triggers: tasks_log: after insert, update, delete, for each row, runs "
        "public.log_activity().",
        "Every insert, update and delete is recorded in the activity log.",
    ]
    for fact in expected:
        assert fact in paragraph


def test_a_table_without_row_level_security_or_key_says_so(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, "CREATE TABLE audit.events (payload jsonb);")
    paragraph = explain_table(schema, ("audit", "events"), CONFIG).paragraph
    assert paragraph.startswith("audit.events is a table outside the tenant schemas.")
    assert "It has no primary key." in paragraph
    assert "Row level security is off" in paragraph


def test_the_glossary_names_the_table_and_the_columns_with_a_meaning(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA,
                       "CREATE TYPE public.priority AS ENUM ('low', 'high');\n"
                       "ALTER TABLE public.tasks ADD COLUMN priority public.priority;")
    glossary = explain_table(schema, ("public", "tasks"), CONFIG).glossary
    assert glossary == [
        GlossaryEntry("public.tasks", "Work items of a project."),
        GlossaryEntry("tasks.tenant_id",
                      "the tenant that owns the row; refers to public.tenants.id"),
        GlossaryEntry("tasks.project_id", "refers to public.projects.id"),
        GlossaryEntry("tasks.parent_id",
                      "The task this one is a step of; refers to public.tasks.id"),
        GlossaryEntry("tasks.status", "one of open, done"),
        GlossaryEntry("tasks.priority", "one of low, high"),
    ]


def test_the_example_query_filters_like_the_policy_and_follows_the_tenant_index(
    tmp_path: Path,
) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    query = explain_table(schema, ("public", "tasks"), CONFIG).example_query
    assert query == (
        "-- public.tasks: the rows of the signed-in user's tenants, newest first by "
        "created_at.\n"
        "-- Filters by tenant as policy tasks_members does; index tasks_tenant_created_idx "
        "(tenant_id, created_at) serves it.\n"
        "SELECT id, tenant_id, project_id, parent_id, status, created_at\n"
        "FROM public.tasks\n"
        "WHERE tenant_id = (SELECT CAST(auth.jwt() ->> 'tenant_id' AS uuid))\n"
        "ORDER BY created_at DESC\n"
        "LIMIT 50;"
    )
    parse_sql(query)


def test_without_a_tenant_policy_the_query_uses_the_configured_expression(
    tmp_path: Path,
) -> None:
    config = parse_config({"tenancy": {"policy_expression":
                                       "auth.jwt() ->> 'org' = 'x' OR false"}}, "test")
    schema = schema_of(tmp_path, TENANTS, """
        CREATE TABLE public.notes (id bigint PRIMARY KEY, tenant_id uuid NOT NULL,
          kind text CHECK (kind IN ('memo', 'todo')), "Body" text);
        CREATE INDEX notes_tenant_kind_idx ON public.notes (tenant_id, kind);
    """, config=config)
    query = explain_table(schema, ("public", "notes"), config).example_query
    assert query is not None
    assert "Filters by tenant with tenancy.policy_expression" in query
    assert query.endswith(
        "SELECT id, tenant_id, kind, \"Body\"\nFROM public.notes\n"
        "WHERE tenant_id = (auth.jwt() ->> 'org' = 'x' OR false)\n"
        "  AND kind = 'memo'\nLIMIT 50;")
    parse_sql(query)


def test_a_tenant_table_without_a_tenant_index_gets_a_query_that_says_so(
    tmp_path: Path,
) -> None:
    schema = schema_of(tmp_path, "CREATE TABLE public.files (id bigint, tenant_id uuid);")
    query = explain_table(schema, ("public", "files"), CONFIG).example_query
    assert query is not None
    assert "no index leads with tenant_id yet, so it reads the whole table" in query
    assert query.endswith("WHERE tenant_id = (select auth.uid())\nLIMIT 50;")
    parse_sql(query)


@pytest.mark.parametrize("key", [("public", "tenants"), ("public", "tag_notes")])
def test_tables_that_are_not_tenant_tables_with_a_tenant_column_get_no_query(
    tmp_path: Path, key: tuple[str, str]
) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    assert explain_table(schema, key, CONFIG).example_query is None


def test_an_unknown_table_is_a_key_error(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, TENANTS)
    with pytest.raises(KeyError, match="public.nope"):
        explain_table(schema, ("public", "nope"), CONFIG)
