"""Migration discovery and order for every layout of the CLI spec, on fixture trees written
here: which files are migrations, their versions and order, how down migrations pair, and what
a runner's sections and markers leave of a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbreview.cli import main
from dbreview.config import Config
from dbreview.engine import Analyzer
from dbreview.layouts.base import Layout, Migration, TransactionMode
from dbreview.layouts.discover import SupersededFile, discover_sets, load_set, set_for_file
from dbreview.sql.parse import parse_statements


def write(root: Path, files: dict[str, str]) -> Path:
    for name, sql in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    return root


def ordered(root: Path) -> list[Migration]:
    return load_set(root).migrations


def up_names(root: Path) -> list[str]:
    return [migration.label for migration in ordered(root)]


def down_names(root: Path) -> list[str | None]:
    return [m.down_path.name if m.down_path else None for m in ordered(root)]


TABLE = "CREATE TABLE t (id bigint PRIMARY KEY);"


# --- one file per migration ---------------------------------------------------------------


def test_supabase_timestamp_files_order_by_version(tmp_path: Path) -> None:
    write(tmp_path, {"20250102000000_second.sql": TABLE, "20250101000000_first.sql": TABLE})
    migrations = ordered(tmp_path)
    assert [(m.version, m.name, m.layout) for m in migrations] == [
        ("20250101000000", "first", Layout.VERSIONED),
        ("20250102000000", "second", Layout.VERSIONED),
    ]


def test_timestamp_file_pairs_a_down_file_of_the_same_version(tmp_path: Path) -> None:
    write(tmp_path, {
        "20250101000000_invoices.sql": TABLE,
        "20250101000000_invoices.down.sql": "DROP TABLE t;",
        "20250102000000_more.up.sql": TABLE,
        "20250102000000_more.down.sql": "DROP TABLE t;",
    })
    assert up_names(tmp_path) == ["20250101000000_invoices.sql", "20250102000000_more.up.sql"]
    assert down_names(tmp_path) == ["20250101000000_invoices.down.sql",
                                    "20250102000000_more.down.sql"]
    assert ordered(tmp_path)[0].read().down == "DROP TABLE t;"


def test_flyway_versions_undo_files_and_repeatables(tmp_path: Path) -> None:
    write(tmp_path, {
        "V2__second.sql": TABLE, "U2__second.sql": "DROP TABLE t;", "V1__init.sql": TABLE,
        "V1.1__patch.sql": TABLE, "V10__tenth.sql": TABLE, "R__views.sql": TABLE,
    })
    migrations = ordered(tmp_path)
    assert [m.path.name for m in migrations] == [
        "V1__init.sql", "V1.1__patch.sql", "V2__second.sql", "V10__tenth.sql", "R__views.sql"]
    assert [m.version for m in migrations] == ["1", "1.1", "2", "10", None]
    assert migrations[-1].layout is Layout.FLYWAY_REPEATABLE
    assert down_names(tmp_path) == [None, None, "U2__second.sql", None, None]


def test_golang_migrate_up_and_down_files_pair_by_version(tmp_path: Path) -> None:
    write(tmp_path, {
        "0001_init.up.sql": TABLE, "0001_init.down.sql": "DROP TABLE t;",
        "0002_more.up.sql": TABLE,
    })
    migrations = ordered(tmp_path)
    assert [(m.version, m.name, m.layout) for m in migrations] == [
        ("0001", "init", Layout.UP_DOWN), ("0002", "more", Layout.UP_DOWN)]
    assert down_names(tmp_path) == ["0001_init.down.sql", None]


def test_pop_dialect_files_keep_postgres_and_skip_other_dialects(tmp_path: Path) -> None:
    write(tmp_path, {
        "1_networks.postgres.up.sql": TABLE, "1_networks.postgres.down.sql": "DROP TABLE t;",
        "1_networks.mysql.up.sql": "CREATE TABLE t (id int) ENGINE=InnoDB;",
        "1_networks.mysql.down.sql": "DROP TABLE t;",
        "1_networks.cockroach.up.sql": TABLE, "1_networks.sqlite3.up.sql": TABLE,
        "2_generic.up.sql": TABLE, "2_generic.down.sql": "DROP TABLE t;",
        "3_indices.autocommit.up.sql": "CREATE INDEX CONCURRENTLY t_idx ON t (id);",
        "3_indices.autocommit.down.sql": "DROP INDEX CONCURRENTLY t_idx;",
        "4_both.up.sql": "SELECT 'generic';", "4_both.postgres.up.sql": "SELECT 'postgres';",
        "5_add.users.up.sql": TABLE,
    })
    migrations = ordered(tmp_path)
    assert [m.path.name for m in migrations] == [
        "1_networks.postgres.up.sql", "2_generic.up.sql", "3_indices.autocommit.up.sql",
        "4_both.postgres.up.sql", "5_add.users.up.sql"]
    assert down_names(tmp_path) == ["1_networks.postgres.down.sql", "2_generic.down.sql",
                                    "3_indices.autocommit.down.sql", None, None]
    assert migrations[2].transaction is TransactionMode.NONE
    assert migrations[4].name == "add.users"  # a dot in a name is not a dialect


def test_naming_a_generic_file_that_postgres_never_runs_skips_it_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # pre-commit passes every staged .sql file: the generic twin must not fail the hook.
    write(tmp_path, {"4_both.up.sql": "SELECT 'generic';",
                     "4_both.postgres.up.sql": "-- postgres\nSELECT 'postgres';\n"})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "4_both.up.sql", "4_both.postgres.up.sql", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "skipped 4_both.up.sql: PostgreSQL runs 4_both.postgres.up.sql" in captured.err
    assert [f["path"] for f in json.loads(captured.out)["files"]] == ["4_both.postgres.up.sql"]


def test_versions_order_numerically_whatever_the_padding(tmp_path: Path) -> None:
    write(tmp_path, {"10_b.up.sql": TABLE, "9_a.up.sql": TABLE, "0008-c.sql": TABLE,
                     "00012-d.sql": TABLE, "0011-e.sql": TABLE})
    assert [m.path.name for m in ordered(tmp_path)] == [
        "0008-c.sql", "9_a.up.sql", "10_b.up.sql", "0011-e.sql", "00012-d.sql"]


def test_a_file_without_a_version_comes_last(tmp_path: Path) -> None:
    write(tmp_path, {"seed.sql": "SELECT 1;", "20250101000000_first.sql": TABLE})
    migrations = ordered(tmp_path)
    assert [(m.path.name, m.version, m.layout) for m in migrations] == [
        ("20250101000000_first.sql", "20250101000000", Layout.VERSIONED),
        ("seed.sql", None, Layout.UNVERSIONED)]


# --- one folder per migration -------------------------------------------------------------


def test_diesel_folders_pair_up_and_down(tmp_path: Path) -> None:
    write(tmp_path, {
        "2021-01-01-000000_more/up.sql": TABLE,
        "2020-06-30-135809_create_user/up.sql": TABLE,
        "2020-06-30-135809_create_user/down.sql": "DROP TABLE t;",
    })
    migrations = ordered(tmp_path)
    assert [(m.version, m.name, m.layout) for m in migrations] == [
        ("20200630135809", "create_user", Layout.FOLDERS),
        ("20210101000000", "more", Layout.FOLDERS)]
    assert down_names(tmp_path) == ["down.sql", None]


def test_sourcegraph_folders_are_named_by_their_version(tmp_path: Path) -> None:
    write(tmp_path, {"1528395834/up.sql": TABLE, "1528395834/down.sql": "DROP TABLE t;",
                     "1528395835/up.sql": TABLE})
    assert [m.version for m in ordered(tmp_path)] == ["1528395834", "1528395835"]
    assert down_names(tmp_path) == ["down.sql", None]


def test_prisma_folders_run_as_one_script_and_pair_a_down_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "20250102000000_more/migration.sql": TABLE,
        "20250101000000_init/migration.sql": TABLE,
        "20250101000000_init/down.sql": "DROP TABLE t;",
    })
    migrations = ordered(tmp_path)
    assert [(m.label, m.layout) for m in migrations] == [
        ("20250101000000_init/migration.sql", Layout.PRISMA),
        ("20250102000000_more/migration.sql", Layout.PRISMA)]
    assert all(m.transaction is TransactionMode.SCRIPT for m in migrations)
    assert down_names(tmp_path) == ["down.sql", None]


# --- both directions in one file ----------------------------------------------------------

DBMATE = """\
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY t_idx ON t (id);

-- migrate:down
DROP INDEX CONCURRENTLY t_idx;
"""

GOOSE = """\
-- +goose Up
-- +goose NO TRANSACTION
-- +goose StatementBegin
CREATE FUNCTION one() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$
-- +goose StatementEnd
CREATE TABLE t (id bigint PRIMARY KEY);

-- +goose Down
DROP TABLE t;
DROP FUNCTION one();
"""


def test_dbmate_sections_split_up_and_down_keeping_lines(tmp_path: Path) -> None:
    write(tmp_path, {"20250101000000_index.sql": DBMATE})
    text = ordered(tmp_path)[0].read()
    assert [s.kind for s in parse_statements(text.up)] == ["IndexStmt"]
    assert [(s.kind, s.span.line) for s in parse_statements(text.down or "")] == [
        ("DropStmt", 5)]
    assert text.up.count("\n") == DBMATE.count("\n")
    assert text.transaction is TransactionMode.NONE


def test_goose_sections_end_statements_at_statement_end_without_semicolon(
    tmp_path: Path,
) -> None:
    write(tmp_path, {"20250101000000_function.sql": GOOSE})
    text = ordered(tmp_path)[0].read()
    assert [(s.kind, s.span.line) for s in parse_statements(text.up)] == [
        ("CreateFunctionStmt", 4), ("CreateStmt", 6)]
    assert [s.kind for s in parse_statements(text.down or "")] == ["DropStmt", "DropStmt"]
    assert text.transaction is TransactionMode.NONE


def test_an_empty_down_section_is_no_down_migration(tmp_path: Path) -> None:
    write(tmp_path, {
        "1_goose.sql": "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\n",
        "2_dbmate.sql": "-- migrate:up\nCREATE TABLE u (id int);\n-- migrate:down\n\n",
    })
    assert [migration.read().down for migration in ordered(tmp_path)] == [None, None]


# --- history and sets ---------------------------------------------------------------------


def test_down_migrations_are_never_replayed_as_history(tmp_path: Path) -> None:
    write(tmp_path, {
        "0001_accounts.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);",
        "0001_accounts.down.sql": "DROP TABLE accounts;",
        "0002_note.up.sql": "ALTER TABLE accounts ADD COLUMN note text;",
    })
    migration_set = load_set(tmp_path)
    (changeset,) = Analyzer(config=Config()).review_each(
        migration_set, [migration_set.migrations[-1]])
    accounts = changeset.context.schema.table(("public", "accounts"))
    assert accounts is not None and not accounts.new
    assert list(accounts.columns) == ["id", "note"]


def test_each_folder_of_a_tree_is_its_own_set(tmp_path: Path) -> None:
    write(tmp_path, {
        "migrations/tenant/0002-second.sql": TABLE,
        "migrations/tenant/0001-first.sql": TABLE,
        "migrations/multitenant/0001-first.sql": TABLE,
        "prisma/migrations/20250101000000_init/migration.sql": TABLE,
        "node_modules/pkg/0001_vendored.sql": TABLE,
    })
    sets = {s.root.relative_to(tmp_path).as_posix(): [m.label for m in s.migrations]
            for s in discover_sets(tmp_path)}
    assert sets == {
        "migrations/multitenant": ["0001-first.sql"],
        "migrations/tenant": ["0001-first.sql", "0002-second.sql"],
        "prisma/migrations": ["20250101000000_init/migration.sql"],
    }


def test_a_named_file_resolves_its_set_and_migration(tmp_path: Path) -> None:
    write(tmp_path, {
        "db/0001_init.up.sql": TABLE, "db/0001_init.down.sql": "DROP TABLE t;",
        "db/0001_init.mysql.up.sql": TABLE,
        "diesel/2020-01-01-000000_init/up.sql": TABLE,
        "diesel/2020-01-01-000000_init/down.sql": "DROP TABLE t;",
        "prisma/20250101000000_init/migration.sql": TABLE,
    })
    cases = {
        "db/0001_init.up.sql": ("db", "0001_init.up.sql"),
        "db/0001_init.down.sql": ("db", "0001_init.up.sql"),  # a down file names its up
        "diesel/2020-01-01-000000_init/down.sql": ("diesel", "2020-01-01-000000_init/up.sql"),
        "prisma/20250101000000_init/migration.sql": (
            "prisma", "20250101000000_init/migration.sql"),
    }
    for named, (root, label) in cases.items():
        migration_set, migration = set_for_file(tmp_path / named)
        assert (migration_set.root, migration.label) == (tmp_path / root, label), named
    with pytest.raises(SupersededFile, match="PostgreSQL runs 0001_init.up.sql"):
        set_for_file(tmp_path / "db/0001_init.mysql.up.sql")


# --- the command line on each layout ------------------------------------------------------

LAYOUTS: dict[str, dict[str, str]] = {
    "supabase": {"20250101000000_init.sql": f"-- init\n{TABLE}",
                 "20250102000000_more.sql": "ALTER TABLE t ADD COLUMN note text;"},
    "flyway": {"V1__init.sql": TABLE, "U1__init.sql": "DROP TABLE t;", "R__view.sql":
               "CREATE OR REPLACE VIEW v AS SELECT id FROM t;"},
    "golang-migrate": {"0001_init.up.sql": TABLE, "0001_init.down.sql": "DROP TABLE t;"},
    "pop": {"1_init.postgres.up.sql": TABLE, "1_init.mysql.up.sql": "CREATE TABLE t (id int)",
            "2_idx.autocommit.up.sql": "CREATE INDEX CONCURRENTLY t_idx ON t (id);"},
    "diesel": {"2020-01-01-000000_init/up.sql": TABLE,
               "2020-01-01-000000_init/down.sql": "DROP TABLE t;"},
    "prisma": {"20250101000000_init/migration.sql": f"-- CreateTable\n{TABLE}"},
    "dbmate": {"20250101000000_index.sql": DBMATE},
    "goose": {"20250101000000_function.sql": GOOSE},
    "unversioned": {"schema.sql": TABLE},
    "broken": {"20250101000000_broken.sql": "CREAT TABLE t (id int);\nSELECT 1;"},
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_check_reviews_every_layout_with_exit_code_0_or_1(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    migrations = write(tmp_path / "migrations", LAYOUTS[layout])
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--format", "json", str(migrations)])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert code == (1 if report["counts"]["error"] else 0)
    assert [file["path"] for file in report["files"]] == [
        f"migrations/{m.label}" for m in ordered(migrations)]


@pytest.mark.parametrize("named", ["0001_init.up.sql", "0001_init.down.sql"])
def test_check_on_a_named_file_of_a_layout(
    named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    migrations = write(tmp_path / "migrations", LAYOUTS["golang-migrate"])
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json", str(migrations / named)]) in (0, 1)
    files = json.loads(capsys.readouterr().out)["files"]
    assert [file["path"] for file in files] == ["migrations/0001_init.up.sql"]

