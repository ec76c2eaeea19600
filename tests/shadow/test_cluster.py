"""Without a DSN, `--shadow` starts a temporary cluster (initdb + pg_ctl on a Unix socket) and
removes it afterwards; without PostgreSQL's binaries it says so."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from dbreview.errors import InputError
from dbreview.shadow import server
from dbreview.shadow.server import find_binaries, temporary_cluster
from tests.cli_support import Cli, cli_in, one_line

MIGRATIONS = "supabase/migrations"


def _require_binaries() -> None:
    try:
        find_binaries(None)
    except InputError as error:
        pytest.skip(f"PostgreSQL's server binaries are not installed: {error}")


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited, only its parent has not looked


def test_a_temporary_cluster_is_started_on_a_socket_and_removed() -> None:
    _require_binaries()
    with temporary_cluster() as dsn:
        directory = Path(conninfo_to_dict(dsn)["host"])
        pid = int((directory / "data" / "postmaster.pid").read_text().split()[0])
        assert _running(pid)
        with psycopg.connect(dsn) as connection:
            assert connection.execute("SHOW listen_addresses").fetchone() == ("",)
            assert connection.execute("SELECT current_user").fetchone() == ("postgres",)
    assert not directory.exists()
    assert not _running(pid)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.delenv("DBREVIEW_SHADOW_DSN", raising=False)
    return cli_in(tmp_path, monkeypatch, capsys)


def test_shadow_without_a_dsn_reviews_on_a_temporary_cluster(cli: Cli) -> None:
    _require_binaries()
    cli.write(f"{MIGRATIONS}/20240101000000_orders.sql",
              "CREATE TABLE orders (id bigint PRIMARY KEY, note text);")
    cli.write(f"{MIGRATIONS}/20240201000000_note.sql",
              "-- notes are long\nALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\n")
    run = cli("check", "--shadow", "--format", "json", f"{MIGRATIONS}/20240201000000_note.sql")
    (facts,) = run.json()["impact"]["statements"]
    assert facts["observed"] is True
    assert (facts["lock"], facts["rewrite"]) == ("ACCESS EXCLUSIVE", True)
    assert "dbreview shadow: PostgreSQL " in run.err
    assert run.json()["shadow"].startswith("shadow: PostgreSQL ")  # machines read it here


def test_shadow_without_a_dsn_or_binaries_says_what_to_install(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "BINARY_DIRS", "/nonexistent/*/bin")
    monkeypatch.setenv("PATH", "/nonexistent")
    cli.write(f"{MIGRATIONS}/20240101000000_orders.sql", "CREATE TABLE orders (id bigint);")
    run = cli("check", "--shadow", MIGRATIONS)
    assert run.code == 2
    assert "initdb and pg_ctl are neither on PATH nor under /nonexistent/*/bin" in one_line(
        run.err)

