"""`dbreview check --since REV`: the migrations a branch added or changed since its merge-base
with REV (committed, uncommitted or untracked) form ONE changeset; every other migration is
history. Each test builds its own git repository under tmp_path."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_support import MIGRATIONS, ORDERS_HISTORY, Cli, Run, cli_in, one_line

ORDERS = f"{MIGRATIONS}/20240101000000_orders.sql"
CUSTOMERS = f"{MIGRATIONS}/20240102000000_customers.sql"
PRODUCTS = f"{MIGRATIONS}/20240103000000_products.sql"
ITEMS = f"{MIGRATIONS}/20240301000000_items.sql"
ITEMS_INDEX = f"{MIGRATIONS}/20240302000000_items_index.sql"
ORDERS_NOTE = f"{MIGRATIONS}/20240303000000_orders_note.sql"
ORDERS_INDEX = f"{MIGRATIONS}/20240304000000_orders_index.sql"
CHANGED = [PRODUCTS, ITEMS, ITEMS_INDEX, ORDERS_NOTE, ORDERS_INDEX]  # in migration order


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Cli:
    """main: orders, customers, products. feature: items (new table) and its index,
    committed; after main moves on (customers changed): a note column on orders, staged;
    products edited, not staged; an index on orders, untracked."""
    for variable, value in {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                            "GIT_COMMITTER_NAME": "Test",
                            "GIT_COMMITTER_EMAIL": "test@example.com",
                            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}.items():
        monkeypatch.setenv(variable, value)
    cli = cli_in(tmp_path, monkeypatch, capsys)
    git = _git_in(tmp_path)
    git("init", "-q", "-b", "main")
    cli.write(ORDERS, ORDERS_HISTORY)
    cli.write(CUSTOMERS, "-- customers\nCREATE TABLE customers (id bigint PRIMARY KEY);\n")
    cli.write(PRODUCTS, "-- products\nCREATE TABLE products (id bigint PRIMARY KEY);\n")
    cli.write("README.md", "shop\n")
    git("add", ".")
    git("commit", "-q", "-m", "history")

    git("checkout", "-q", "-b", "feature")
    cli.write(ITEMS, "-- items\nCREATE TABLE items (id bigint PRIMARY KEY, order_id bigint);\n")
    cli.write(ITEMS_INDEX, "-- index items\nCREATE INDEX items_order_idx ON items (order_id);\n")
    cli.write("README.md", "shop, now with items\n")
    git("add", ".")
    git("commit", "-q", "-m", "items")

    git("checkout", "-q", "main")
    cli.write(CUSTOMERS, "-- customers, on main after the branch\n"
              "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n")
    git("commit", "-q", "-am", "main moves on")
    git("checkout", "-q", "feature")

    cli.write(ORDERS_NOTE, "-- order notes\nALTER TABLE orders ADD COLUMN note text;\n")
    git("add", ORDERS_NOTE)  # staged, not committed
    cli.write(PRODUCTS, "-- products, with a price\n"
              "CREATE TABLE products (id bigint PRIMARY KEY, price numeric);\n")
    cli.write(ORDERS_INDEX,
              "-- index orders\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n")
    return cli


def _git_in(root: Path) -> Callable[..., None]:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return git


def _reviewed(run: Run) -> list[str]:
    return [report["path"] for report in run.json()["files"]]


def test_only_the_changed_migrations_are_reviewed_as_one_changeset(repo: Cli) -> None:
    run = repo("check", "--since", "main", "--format", "json")
    # committed, staged, unstaged and untracked changes, in migration order; neither the
    # history nor the migration main changed after the branch point
    assert _reviewed(run) == CHANGED


def test_a_table_created_earlier_in_the_changeset_is_new(repo: Cli) -> None:
    run = repo("check", "--since", "main", "--format", "json")
    findings = run.findings()
    assert ("index-not-concurrent", ORDERS_INDEX, 2) in findings
    assert [f for f in findings if f[0] == "index-not-concurrent" and f[1] == ITEMS_INDEX] == []
    assert ("public.items", "created", True) in _table_changes(run)
    assert run.code == 1


def test_the_history_is_replayed(repo: Cli) -> None:
    run = repo("check", "--since", "main", "--format", "json")
    # orders is known as an altered table only because the history created it
    assert ("public.orders", "altered", False) in _table_changes(run)


def test_since_works_from_a_subdirectory_and_with_a_named_folder(
    repo: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root / "supabase")
    run = repo("check", "migrations", "--since", "main", "--format", "json")
    assert _reviewed(run) == CHANGED


def test_nothing_changed_is_a_success(repo: Cli) -> None:
    run = repo("check", "--since", "feature", "--format", "json")
    # the uncommitted and untracked migrations remain
    assert _reviewed(run) == [PRODUCTS, ORDERS_NOTE, ORDERS_INDEX]
    _git_in(repo.root)("add", ".")
    _git_in(repo.root)("commit", "-q", "-m", "orders")
    run = repo("check", "--since", "feature", "--format", "json")
    assert run.code == 0
    assert run.json()["files"] == []


def test_a_change_that_only_adds_a_dump_is_reported_on_the_dump(repo: Cli) -> None:
    git = _git_in(repo.root)
    git("add", ".")
    git("commit", "-q", "-m", "orders")
    repo.write("backups/prod-2025-06-01.dump", "PGDMP")
    run = repo("check", "--since", "feature", "--format", "json")
    assert run.code == 1
    (report,) = run.json()["files"]
    assert report["path"] == "backups/prod-2025-06-01.dump"
    assert [finding["rule"] for finding in report["findings"]] == ["backup-in-repo"]


def test_a_dump_is_listed_once_however_many_migration_sets_changed(repo: Cli) -> None:
    git = _git_in(repo.root)
    git("add", ".")
    git("commit", "-q", "-m", "orders")
    repo.write("db/migrations/20240101000000_things.sql", "-- things\nCREATE TABLE t (id int);\n")
    git("add", ".")
    git("commit", "-q", "-m", "a second migration set")
    repo.write("db/migrations/20240201000000_restore.sql",
               "--\n-- PostgreSQL database dump\n--\nCREATE TABLE restored (id int);\n")
    items_note = f"{MIGRATIONS}/20240401000000_items_note.sql"
    repo.write(items_note, "-- item notes\nALTER TABLE items ADD COLUMN note text;\n")
    repo.write("backups/prod.dump", "PGDMP")
    run = repo("check", "--since", "HEAD", "--format", "json")
    paths = [report["path"] for report in run.json()["files"]]
    assert sorted(paths) == sorted([items_note, "db/migrations/20240201000000_restore.sql",
                                    "backups/prod.dump"])


def test_a_bad_revision_exits_2_with_one_line(repo: Cli) -> None:
    run = repo("check", "--since", "no-such-branch")
    assert run.code == 2
    line = one_line(run.err)
    assert "no-such-branch" in line and "revision" in line


def test_since_outside_a_git_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cli = cli_in(tmp_path, monkeypatch, capsys)
    cli.orders_project()
    run = cli("check", "--since", "main")
    assert run.code == 2
    assert "git repository" in one_line(run.err)


def _table_changes(run: Run) -> list[tuple[str, str, bool]]:
    """(name, change, new) of each changed table; the JSON adds more keys to each entry."""
    return [(table["name"], table["change"], table["new"])
            for table in run.json()["impact"]["tables"]]
