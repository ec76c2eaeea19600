"""`dbreview check --shadow [DSN]` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import Cli, cli_in, one_line
from tests.pg import ADMIN_DSN
from tests.shadow.support import require_server

MIGRATIONS = "supabase/migrations"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.delenv("DBREVIEW_SHADOW_DSN", raising=False)
    cli = cli_in(tmp_path, monkeypatch, capsys)
    cli.write(f"{MIGRATIONS}/20240101000000_orders.sql",
              "CREATE TABLE orders (id bigint PRIMARY KEY);")
    cli.write(f"{MIGRATIONS}/20240201000000_typo.sql",
              "-- a note per order\nALTER TABLE orderz ADD COLUMN note text;\n")
    return cli


def test_an_apply_error_fails_the_check_at_its_line(cli: Cli) -> None:
    require_server()
    run = cli("check", "--format", "json", "--shadow", ADMIN_DSN, MIGRATIONS)
    assert run.code == 1
    assert ("apply-error", f"{MIGRATIONS}/20240201000000_typo.sql", 2) in run.findings()
    observed = [facts["observed"] for facts in run.json()["impact"]["statements"]]
    assert observed == [True, False]  # the table was created; the failing ALTER was not run


def test_the_dsn_comes_from_the_environment_and_a_path_is_never_taken_for_one(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    require_server()
    monkeypatch.setenv("DBREVIEW_SHADOW_DSN", ADMIN_DSN)
    run = cli("check", "--format", "json", "--shadow", MIGRATIONS)  # argparse gives --shadow
    assert ("apply-error", f"{MIGRATIONS}/20240201000000_typo.sql", 2) in run.findings()


def test_an_unreachable_server_is_one_line_naming_it_without_the_password(cli: Cli) -> None:
    run = cli("check", "--shadow", "postgresql://admin:s3cret@127.0.0.1:1/postgres", MIGRATIONS)
    assert run.code == 2
    line = one_line(run.err)
    assert line.startswith("dbreview: cannot reach the shadow server 127.0.0.1:1/postgres (")
    assert "s3cret" not in line


def test_without_shadow_no_server_is_needed(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBREVIEW_SHADOW_DSN", "postgresql://nobody@127.0.0.1:1/postgres")
    run = cli("check", "--format", "json", MIGRATIONS)
    assert "apply-error" not in run.rules()
    assert all(not facts["observed"] for facts in run.json()["impact"]["statements"])


def test_a_lost_connection_is_one_line_and_the_database_is_still_dropped(cli: Cli) -> None:
    require_server()
    cli.write(f"{MIGRATIONS}/20240301000000_quit.sql",
              "-- leave\nSELECT pg_terminate_backend(pg_backend_pid());\n")
    run = cli("check", "--shadow", ADMIN_DSN, f"{MIGRATIONS}/20240301000000_quit.sql")
    assert run.code == 2
    assert one_line(run.err).startswith("dbreview: lost the connection to the shadow server")
