"""`dbreview ask QUESTION [PATH ...]`: the answer on standard output, exit code 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ask.schemas import MIGRATIONS
from tests.cli_support import Cli, cli_in, one_line
from tests.llm.openai_double import LoopbackOpenAI


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    (tmp_path / "repo").mkdir()
    cli = cli_in(tmp_path / "repo", monkeypatch, capsys)
    cli.write(".github/dbreview.yml", "tenancy:\n  global_tables: [countries]\n")
    for name, sql in MIGRATIONS.items():
        cli.write(f"supabase/migrations/{name}", sql)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return cli


def test_the_answer_is_printed_and_the_exit_code_is_0(cli: Cli) -> None:
    run = cli("ask", "which tables reference customers?", "supabase/migrations")
    assert run.code == 0 and run.err == ""
    assert "- `public.invoices`: `customer_id` → `public.customers`" in run.out


def test_without_a_path_the_configured_migration_folders_are_read(cli: Cli) -> None:
    run = cli("ask", "Which tables have no row level security?")
    assert run.code == 0 and "`public.invoices` (tenant table)" in run.out


def test_a_file_stops_the_schema_at_that_migration(cli: Cli) -> None:
    run = cli("ask", "list the tables", "supabase/migrations/20250101000000_tenants.sql")
    assert "`public.customers`" in run.out and "`public.invoices`" not in run.out


def test_an_empty_question_is_a_usage_error(cli: Cli) -> None:
    run = cli("ask", "   ")
    assert run.code == 2
    assert "the question is empty" in one_line(run.err)


def test_a_missing_path_is_an_input_error(cli: Cli) -> None:
    run = cli("ask", "list the tables", "nowhere")
    assert run.code == 2 and one_line(run.err)


def test_with_the_llm_on_the_ai_written_answer_follows(
        cli: Cli, loopback_openai: LoopbackOpenAI) -> None:
    cli.write(".github/dbreview.yml", "tenancy:\n  global_tables: [countries]\n"
                                      "llm:\n  enabled: true\n")
    loopback_openai.answer_with({"answer": "Sent invoices are unpaid.",
                                 "sql": "SELECT id FROM invoices WHERE tenant_id = $1 "
                                        "AND status = 'sent'"})
    run = cli("ask", "Which invoices are unpaid?")
    assert run.code == 0
    assert "**AI-written answer**" in run.out and "Sent invoices are unpaid\\." in run.out
    assert "FROM public.invoices" in run.out
