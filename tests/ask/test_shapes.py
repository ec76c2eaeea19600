"""Common questions get exact answers from the schema model, with no LLM involved."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dbreview.ask import answer
from dbreview.schema.load import load_schema
from dbreview.schema.model import Schema
from tests.ask.schemas import CONFIG, build_schema


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    return build_schema(tmp_path_factory.mktemp("ask"))


@pytest.fixture(autouse=True)
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def ask(question: str, schema: Schema) -> str:
    return asyncio.run(answer(question, schema, CONFIG))


def test_tables_that_reference_a_table_are_listed_with_their_keys(schema: Schema) -> None:
    reply = ask("Show me all tables that reference customers", schema)
    assert "**Tables that reference `public.customers`** (1)" in reply
    assert "- `public.invoices`: `customer_id` → `public.customers`, many-to-one" in reply


def test_a_table_outside_the_migrations_is_found_through_the_keys_to_it(schema: Schema) -> None:
    reply = ask("which tables reference users?", schema)
    assert "`auth.users`" in reply
    assert "`public.customers`: `user_id` → `auth.users`, many-to-one, optional" in reply


def test_tenant_indexes_and_the_tables_that_lack_one(schema: Schema) -> None:
    reply = ask("Which indexes serve tenant queries?", schema)
    served, unserved = reply.split("**Tenant tables without one**")
    assert "`customers_tenant_name_idx` (`tenant_id, name`)" in served
    assert "`public.invoices`" in unserved and "`public.invoices`" not in served
    assert "countries" not in reply  # a global table is no tenant table


def test_tables_without_row_level_security(schema: Schema) -> None:
    reply = ask("Which tables have no RLS?", schema)
    listed = reply.split("**RLS enabled")[0]
    assert "`public.invoices` (tenant table)" in listed
    assert "`public.countries`" in listed and "`public.countries` (tenant" not in listed
    assert "`public.customers`" not in listed


def test_policies_on_a_table(schema: Schema) -> None:
    reply = ask("what policies are on the customers table?", schema)
    assert "row level security enabled" in reply
    assert "customers_by_tenant: SELECT for authenticated" in reply


def test_columns_of_a_table_named_in_the_singular(schema: Schema) -> None:
    reply = ask("What columns does invoice have?", schema)
    assert "**Columns of `public.invoices`** (6)" in reply
    assert "- `total` `numeric(12,2)`, not null" in reply
    assert "- `id` `uuid`, primary key, not null" in reply


def test_explaining_a_table_uses_its_comment_and_an_example_tenant_query(schema: Schema) -> None:
    reply = ask("Explain the purpose of the invoices table", schema)
    assert reply.startswith("**`public.invoices`**")
    assert "What a customer owes for one billing period" in reply
    assert "```sql" in reply and "WHERE tenant_id" in reply


def test_any_other_question_lists_the_shapes_understood_and_the_tables(schema: Schema) -> None:
    reply = ask("How fast is the invoices table growing?", schema)
    assert "Without an LLM" in reply
    assert "- Which tables reference users?" in reply
    assert "`public.invoices`" in reply


def test_names_and_comments_from_the_migrations_cannot_inject_markdown(tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "20250101000000_odd.sql").write_text(
        'CREATE TABLE public."x`](https://evil.example)" (id int);\n'
        "CREATE TABLE public.odd (id int);\n"
        "COMMENT ON TABLE public.odd IS '<img src=x> [click](https://evil.example) @team';\n")
    odd = load_schema([directory], CONFIG, tmp_path)
    listed = ask("list the tables", odd)
    assert "- ``public.x`](https://evil.example)``:" in listed  # a code span: inert
    explained = ask("explain odd", odd)
    assert "evil" in explained
    assert "<img" not in explained and "[click](" not in explained and "@team" not in explained
