"""The command line as a user and a CI job meet it: exit codes, inputs, outputs, errors.

Exit codes (docs/cli.md): 0 nothing at or above --fail-on, 1 findings at or above it, 2 a
usage, configuration or input error printed as one line naming the problem, never a traceback.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbreview import __version__
from tests.cli_support import INDEX_ON_ORDERS, MIGRATIONS, Cli, cli_in, one_line

INDEX_FILE = f"{MIGRATIONS}/20240201000000_orders_index.sql"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return cli_in(tmp_path, monkeypatch, capsys)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


# Exit codes and --fail-on


def test_an_error_finding_exits_1_and_points_at_the_statement(cli: Cli) -> None:
    cli.orders_project()
    run = cli("check", MIGRATIONS, "--format", "json")
    assert run.code == 1
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()
    assert run.json()["conclusion"] == "failure"


def test_a_migration_without_errors_exits_0(cli: Cli) -> None:
    cli.orders_project()
    cli.write(INDEX_FILE, "-- describe the column\n"
              "COMMENT ON COLUMN orders.customer_id IS 'who placed the order';\n")
    run = cli("check", MIGRATIONS)
    assert run.code == 0, run.out
    assert "success" in run.out


@pytest.mark.parametrize(("fail_on", "code"), [(None, 0), ("warning", 1), ("never", 0)])
def test_fail_on_sets_the_lowest_severity_that_fails(
    cli: Cli, fail_on: str | None, code: int
) -> None:
    cli.orders_project()
    cli.write(".github/dbreview.yml", "rules:\n  index-not-concurrent: warning\n")
    flags = ["--fail-on", fail_on] if fail_on else []
    run = cli("check", MIGRATIONS, "--format", "json", *flags)
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()
    assert run.code == code


def test_fail_on_never_passes_even_with_errors(cli: Cli) -> None:
    cli.orders_project()
    run = cli("check", MIGRATIONS, "--fail-on", "never")
    assert run.code == 0
    assert "index-not-concurrent" in run.out


# Inputs


def test_the_check_word_is_optional(cli: Cli) -> None:
    cli.orders_project()
    run = cli(MIGRATIONS, "--format", "json")
    assert run.code == 1
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()


def test_without_a_path_the_configured_migration_folders_are_reviewed(cli: Cli) -> None:
    cli.orders_project()
    run = cli("--format", "json")
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()


def test_a_named_file_is_reviewed_alone_with_its_history(cli: Cli) -> None:
    cli.orders_project()
    named = f"{MIGRATIONS}/20240301000000_orders_note.sql"
    cli.write(named, "-- a note per order\nALTER TABLE orders ADD COLUMN note text;\n")
    run = cli("check", named, "--format", "json")
    assert [report["path"] for report in run.json()["files"]] == [named]
    # orders is known (and reported as altered) only because the history was replayed
    assert [(table["name"], table["change"], table["new"])
            for table in run.json()["impact"]["tables"]] == [("public.orders", "altered", False)]


def test_several_named_files_are_each_reviewed(cli: Cli) -> None:
    cli.orders_project()
    history = f"{MIGRATIONS}/20240101000000_orders.sql"
    run = cli("check", INDEX_FILE, history, "--format", "json")
    assert [report["path"] for report in run.json()["files"]] == [history, INDEX_FILE]
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()


def test_a_repository_finding_is_reported_once_not_once_per_file(cli: Cli) -> None:
    cli.orders_project()
    run = cli("check", MIGRATIONS, "--format", "json")
    backup = [finding for finding in run.findings() if finding[0] == "backup-policy-missing"]
    assert len(backup) == 1


def test_dash_reads_one_migration_from_standard_input(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, INDEX_ON_ORDERS.encode())
    run = cli("check", "-", "--format", "json")
    assert run.code == 1
    assert ("index-not-concurrent", "<stdin>", 2) in run.findings()


def test_dash_cannot_be_combined_with_paths(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.orders_project()
    _stdin(monkeypatch, b"SELECT 1;\n")
    run = cli("check", "-", MIGRATIONS)
    assert run.code == 2
    assert "standard input" in one_line(run.err)


def test_invalid_utf8_on_standard_input_is_a_finding(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"-- caf\xe9 au lait\nSELECT 1;\n")
    run = cli("-", "--format", "json")
    assert run.code == 1
    assert ("parse-error", "<stdin>", 1) in run.findings()


def test_a_missing_path_exits_2_naming_it(cli: Cli) -> None:
    run = cli("check", "supabase/migrations/nope.sql")
    assert run.code == 2
    assert "supabase/migrations/nope.sql" in one_line(run.err)
    assert run.out == ""


def test_a_directory_without_migrations_exits_2_naming_it(cli: Cli) -> None:
    (cli.root / "docs").mkdir()
    run = cli("check", "docs")
    assert run.code == 2
    assert "docs" in one_line(run.err)


def test_no_path_and_no_migrations_exits_2_saying_what_to_do(cli: Cli) -> None:
    run = cli("check")
    assert run.code == 2
    line = one_line(run.err)
    assert "no migrations found" in line
    assert "supabase/migrations" in line and "PATH" in line


# Files that are not clean SQL


def test_a_parse_error_is_a_finding_and_the_rest_is_still_checked(cli: Cli) -> None:
    cli.orders_project()
    cli.write(INDEX_FILE, "-- typo first\nCREAT TABLE invoices (id bigint);\n"
              "CREATE INDEX orders_customer_idx ON orders (customer_id);\n")
    run = cli("check", MIGRATIONS, "--format", "json")
    assert run.code == 1
    assert ("parse-error", INDEX_FILE, 2) in run.findings()
    assert ("index-not-concurrent", INDEX_FILE, 3) in run.findings()


def test_a_byte_order_mark_is_ignored(cli: Cli) -> None:
    cli.orders_project()
    cli.write(INDEX_FILE, b"\xef\xbb\xbf" + INDEX_ON_ORDERS.encode())
    run = cli("check", MIGRATIONS, "--format", "json")
    assert "parse-error" not in run.rules()
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()


@pytest.mark.parametrize("content", [
    pytest.param(b"-- r\xe9sum\xe9 in Latin-1\nSELECT 1;\n", id="latin-1"),
    pytest.param(bytes(range(256)) * 4, id="binary"),
    pytest.param(b"\xff\xfeS\x00E\x00L\x00", id="utf-16"),
])
def test_a_file_that_is_not_utf8_is_a_parse_error_finding(cli: Cli, content: bytes) -> None:
    cli.write(f"{MIGRATIONS}/20240301000000_odd.sql", content)
    run = cli("check", MIGRATIONS, "--format", "json")
    assert run.code == 1
    assert "parse-error" in run.rules()


# Outputs


def test_output_writes_the_report_to_a_file(cli: Cli) -> None:
    cli.orders_project()
    run = cli("check", MIGRATIONS, "--format", "json", "--output", "report.json")
    assert run.code == 1
    assert run.out == ""
    report = json.loads((cli.root / "report.json").read_text())
    assert report["files"][-1]["findings"][0]["rule"] == "index-not-concurrent"


def test_an_unwritable_output_exits_2_naming_it(cli: Cli) -> None:
    cli.orders_project()
    run = cli("check", MIGRATIONS, "--output", "missing/dir/report.txt")
    assert run.code == 2
    assert "missing/dir/report.txt" in one_line(run.err)


# Arguments, help and the rule catalog


@pytest.mark.parametrize("argv", [
    ["check", "--format", "yaml"], ["check", "--pg-version", "9"], ["check", "--bogus"],
])
def test_bad_arguments_exit_2_with_one_line(cli: Cli, argv: list[str]) -> None:
    run = cli(*argv)
    assert run.code == 2
    assert "--help" in one_line(run.err)


@pytest.mark.parametrize("version", ["9", "1⁵"])  # "1⁵": digits to str.isdigit, not int()
def test_a_bad_pg_version_is_named(cli: Cli, version: str) -> None:
    run = cli("check", "--pg-version", version)
    assert run.code == 2
    assert f"'{version}' is not a PostgreSQL major version (10-19)" in one_line(run.err)


def test_version(cli: Cli) -> None:
    run = cli("--version")
    assert run.code == 0
    assert run.out.strip() == f"dbreview {__version__}"


def test_check_help_shows_examples_and_exit_codes(cli: Cli) -> None:
    run = cli("check", "--help")
    assert run.code == 0
    assert "examples:" in run.out
    assert "dbreview check --since origin/main" in run.out
    assert "exit codes:" in run.out


def test_rules_lists_the_catalog_by_category(cli: Cli) -> None:
    run = cli("rules")
    assert run.code == 0
    lines = run.out.splitlines()
    assert "locking" in lines and "hygiene" in lines
    assert any(line.split()[:2] == ["index-not-concurrent", "error"] for line in lines)
    assert any(line.split()[:1] == ["parse-error"] for line in lines)


def test_rules_explains_one_rule(cli: Cli) -> None:
    run = cli("rules", "index-not-concurrent")
    assert run.code == 0
    assert run.out.startswith("index-not-concurrent (locking, default error)")
    assert "Why: " in run.out and "Fix: " in run.out
    assert "CREATE INDEX CONCURRENTLY" in run.out


def test_a_multi_line_example_is_indented_on_every_line(cli: Cli) -> None:
    run = cli("rules", "access-exclusive-held")
    example = run.out.split("Fires on:\n", 1)[1].split("\n\n", 1)[0]
    assert len(example.splitlines()) > 1
    assert all(line.startswith("    ") for line in example.splitlines())


def test_an_unknown_rule_id_exits_2_with_a_suggestion(cli: Cli) -> None:
    run = cli("rules", "index-not-concurent")
    assert run.code == 2
    assert "did you mean 'index-not-concurrent'?" in one_line(run.err)


# The installed console script


def test_the_installed_console_script_reviews_standard_input(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("dbreview")
    result = subprocess.run(
        [str(script), "check", "-", "--format", "json"], input=INDEX_ON_ORDERS.encode(),
        cwd=tmp_path, capture_output=True, check=False, timeout=120,
    )
    assert result.returncode == 1, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["tool"] == {"name": "dbreview", "version": __version__}
    assert [(finding["rule"], finding["line"]) for finding in report["files"][0]["findings"]
            if finding["rule"] == "index-not-concurrent"] == [("index-not-concurrent", 2)]
