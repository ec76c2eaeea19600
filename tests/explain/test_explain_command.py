"""`dbreview explain [TABLE] [PATH ...]`: every table or one, with the relationship map."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import Cli, cli_in, one_line
from tests.explain.schemas import PROJECT_SCHEMA, schema_of


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    schema_of(tmp_path, *PROJECT_SCHEMA)  # writes supabase/migrations
    return cli_in(tmp_path, monkeypatch, capsys)


def _headings(out: str) -> list[str]:
    return [line for line in out.splitlines() if line and not line.startswith(" ")]


def test_explain_without_a_table_explains_every_table_then_the_map(cli: Cli) -> None:
    run = cli("explain")
    assert run.code == 0
    assert _headings(run.out) == [
        "public.projects", "public.tag_notes", "public.tags", "public.tasks", "public.tenants",
        "Relationship map", "Mermaid erDiagram (paste into a ```mermaid block)"]
    assert "  public.tasks.project_id → public.projects.id (many-to-one)" in run.out
    assert "  erDiagram" in run.out


def test_explain_one_table_shows_it_and_its_neighbours_map(cli: Cli) -> None:
    run = cli("explain", "tags", "supabase/migrations")
    assert run.code == 0
    assert _headings(run.out)[0] == "public.tags"
    assert "public.tasks\n" not in run.out  # no other explanation
    assert run.out.split("Relationship map\n")[1].split("\nMermaid")[0] == (
        "  public.tag_notes.tag_id → public.tags.id (many-to-one, optional)\n"
        "  public.tags.task_id → public.tasks.id (one-to-one)\n")


def test_explain_shows_the_glossary_and_the_example_query(cli: Cli) -> None:
    out = cli("explain", "public.tasks").out
    assert "  Glossary:\n    tasks.tenant_id: the tenant that owns the row" in out
    assert "  Example query:\n    -- public.tasks: the rows of the signed-in user's tenants" in out
    assert "    WHERE tenant_id = (SELECT CAST(auth.jwt() ->> 'tenant_id' AS uuid))" in out


def test_explain_an_unknown_table_names_the_closest_ones(cli: Cli) -> None:
    run = cli("explain", "taks")
    assert run.code == 2
    assert one_line(run.err) == ("dbreview: no table 'taks' in the schema the migrations build "
                                 "(closest: tasks, tags)")


def test_explain_a_name_in_several_schemas_asks_for_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_of(tmp_path, "CREATE SCHEMA a; CREATE SCHEMA b;\n"
              "CREATE TABLE a.items (id int); CREATE TABLE b.items (id int);")
    run = cli_in(tmp_path, monkeypatch, capsys)("explain", "items")
    assert run.code == 2
    assert "'items' names several tables (a.items, b.items)" in one_line(run.err)
    assert cli_in(tmp_path, monkeypatch, capsys)("explain", "b.items").code == 0
