"""The relationship map: which tables it holds, how it reads as text and as a Mermaid diagram.

Whether Mermaid itself accepts the diagrams is tested in test_mermaid.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbreview.explain import relationship_map
from tests.explain.schemas import PROJECT_SCHEMA, schema_of

ENTITY_LINE = re.compile(r"^    ([A-Za-z][A-Za-z0-9_]*) \{$")


def test_a_focused_map_holds_the_tables_and_their_direct_neighbours_only(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    mapped = relationship_map(schema, [("public", "tags")])
    # tags → tasks (parent) and tag_notes → tags (child); tasks' own parents are two hops away.
    assert [entity.display for entity in mapped.entities] == [
        "public.tag_notes", "public.tags", "public.tasks"]
    assert [entity.focus for entity in mapped.entities] == [False, True, False]
    assert mapped.text() == (
        "public.tag_notes.tag_id → public.tags.id (many-to-one, optional)\n"
        "public.tags.task_id → public.tasks.id (one-to-one)\n"
    )


def test_the_whole_schema_map_reads_as_one_line_per_foreign_key(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA,
                       "CREATE TABLE public.settings (key text PRIMARY KEY, value text);")
    assert relationship_map(schema).text() == (
        "public.projects.tenant_id → public.tenants.id (many-to-one)\n"
        "public.tag_notes.tag_id → public.tags.id (many-to-one, optional)\n"
        "public.tags.task_id → public.tasks.id (one-to-one)\n"
        "public.tasks.parent_id → public.tasks.id (many-to-one, optional)\n"
        "public.tasks.project_id → public.projects.id (many-to-one)\n"
        "public.tasks.tenant_id → public.tenants.id (many-to-one)\n"
        "public.settings: no foreign keys, none point to it\n"
    )


def test_composite_keys_and_targets_outside_the_migrations_are_spelled_out(
    tmp_path: Path,
) -> None:
    schema = schema_of(tmp_path, """
        CREATE TABLE members (tenant_id uuid, user_id uuid REFERENCES auth.users (id),
          PRIMARY KEY (tenant_id, user_id));
        CREATE TABLE assignments (id bigint PRIMARY KEY, tenant_id uuid NOT NULL,
          user_id uuid NOT NULL,
          FOREIGN KEY (tenant_id, user_id) REFERENCES members (tenant_id, user_id));
    """)
    assert relationship_map(schema, [("public", "members")]).text() == (
        "public.assignments.(tenant_id, user_id) → public.members.(tenant_id, user_id) "
        "(many-to-one)\n"
        "public.members.user_id → auth.users.id (many-to-one, auth.users is not defined by "
        "these migrations)\n"
    )


def test_tables_the_schema_no_longer_holds_are_left_out(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    mapped = relationship_map(schema, [("public", "dropped_table")])
    assert mapped.entities == () and mapped.relationships == ()
    assert mapped.text() == "(no tables)\n"


def test_mermaid_declares_focused_tables_fully_and_neighbours_by_their_keys(
    tmp_path: Path,
) -> None:
    schema = schema_of(tmp_path, *PROJECT_SCHEMA)
    diagram = relationship_map(schema, [("public", "tags")]).mermaid()
    assert diagram.startswith("erDiagram\n") and "```" not in diagram
    assert "    tags {\n        bigint id PK\n        uuid task_id FK, UK\n        text label\n" \
        "    }\n" in diagram
    # The neighbour shows its key and the columns that link it, not status or created_at.
    assert "    tasks {\n        uuid id PK\n    }\n" in diagram
    assert '    tags |o--|| tasks : "task_id"\n' in diagram
    assert '    tag_notes }o--o| tags : "tag_id"\n' in diagram


def test_mermaid_names_are_safe_and_distinct_whatever_the_sql_names(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, """
        CREATE SCHEMA billing;
        CREATE SCHEMA a_b;
        CREATE SCHEMA a;
        CREATE TABLE billing."Order Items" ("Unit Price" numeric(10,2), "2nd" int,
          "select" timestamp with time zone, tags text[]);
        CREATE TABLE public.class (id int PRIMARY KEY);
        CREATE TABLE a.b_c (id int PRIMARY KEY REFERENCES public.class);
        CREATE TABLE a_b.c (id int PRIMARY KEY REFERENCES a.b_c);
        CREATE TABLE public."1st" (id int);
    """)
    diagram = relationship_map(schema).mermaid()
    entities = [match.group(1) for line in diagram.splitlines()
                if (match := ENTITY_LINE.match(line))]
    assert len(entities) == len(set(entities)) == 5
    assert "billing_Order_Items" in entities and "t_class" in entities and "t_1st" in entities
    attribute_lines = [line.split() for line in diagram.splitlines() if line.startswith(" " * 8)]
    for attribute_type, attribute_name, *_ in attribute_lines:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_()\[\]-]*", attribute_type)
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", attribute_name)
