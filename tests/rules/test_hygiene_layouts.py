"""Hygiene rules on layouts the YAML cases cannot write (migration folders, standard input):
each layout's user gets the advice that fits their tool, and no nagging where the tool's own
names are right."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from dbreview.cli import main
from dbreview.config import Config, load_config_text
from dbreview.engine import Analyzer
from dbreview.errors import ConfigError
from dbreview.layouts.discover import load_set
from dbreview.review.model import Finding
from dbreview.workspace import Workspace

TABLE = "-- invoices\nCREATE TABLE invoices (id bigint PRIMARY KEY);"


def review_last(root: Path, files: dict[str, str], rule: str) -> list[Finding]:
    """Review the newest migration of `files` with the others as history."""
    for name, sql in files.items():
        path = root / "migrations" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    migration_set = load_set(root / "migrations")
    analyzer = Analyzer(config=Config(), workspace=Workspace(root=root))
    (changeset,) = analyzer.review_each(migration_set, migration_set.migrations[-1:])
    assert changeset.review is not None
    return [finding for finding in changeset.review.findings() if finding.rule == rule]


def test_prisma_migration_without_down_is_told_how_to_generate_one(tmp_path: Path) -> None:
    (finding,) = review_last(tmp_path, {"20250101000000_init/migration.sql": TABLE},
                             "migration-not-reversible")
    assert (finding.line, finding.column) == (1, 1)
    assert "20250101000000_init/migration.sql has no down migration" in finding.message
    assert "prisma migrate diff" in finding.remediation


def test_migration_folders_with_down_sql_are_reversible(tmp_path: Path) -> None:
    files = {
        "20250101000000_init/migration.sql": TABLE,
        "20250101000000_init/down.sql": "DROP TABLE invoices;",
    }
    assert review_last(tmp_path, files, "migration-not-reversible") == []


def test_diesel_folder_without_down_sql_is_told_to_add_it(tmp_path: Path) -> None:
    (finding,) = review_last(tmp_path, {"2020-06-30-135809_invoices/up.sql": TABLE},
                             "migration-not-reversible")
    assert finding.remediation.startswith("Add down.sql to 2020-06-30-135809_invoices")


def test_versioned_migration_folders_have_good_names(tmp_path: Path) -> None:
    files = {
        "2020-06-30-135809_customers/up.sql": TABLE,
        "20250101000000_Invoices/migration.sql": TABLE,
    }
    assert review_last(tmp_path, files, "migration-filename") == []


def test_a_folder_without_a_version_is_told_to_rename_the_folder(tmp_path: Path) -> None:
    (finding,) = review_last(tmp_path, {"init/migration.sql": TABLE}, "migration-filename")
    assert finding.message.startswith("init/migration.sql carries no version")
    assert finding.remediation.startswith("Rename the folder init to YYYYMMDDHHMMSS_init")


def test_standard_input_has_no_file_name_to_judge(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    stdin = io.TextIOWrapper(io.BytesIO(b"ALTER TABLE invoices ADD COLUMN note text;"))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["check", "--format", "json", "-"]) in (0, 1)
    rules = {finding["rule"] for file in json.loads(capsys.readouterr().out)["files"]
             for finding in file["findings"]}
    assert "migration-missing-comment" in rules
    assert "migration-filename" not in rules


def test_a_filename_pattern_that_is_not_a_regular_expression_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'filename_pattern': .*not a regular expression"):
        load_config_text("filename_pattern: '^(\\d+'", "dbreview.yml")
