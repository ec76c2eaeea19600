"""The bundled example project: the README's quick start reviews it, so its deliberate problems
must be found and its compliant migrations must stay clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import Cli, cli_in

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "supabase" / "migrations"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return cli_in(tmp_path, monkeypatch, capsys)


def _errors_by_file(cli: Cli) -> dict[str, set[str]]:
    run = cli("check", str(EXAMPLE), "--format", "json")
    assert run.code == 1
    return {Path(report["path"]).name: {finding["rule"] for finding in report["findings"]
                                        if finding["severity"] == "error"}
            for report in run.json()["files"]}


def test_the_example_shows_each_deliberate_problem(cli: Cli) -> None:
    errors = _errors_by_file(cli)
    assert errors["20250203120000_task_assignees.sql"] >= {
        "add-required-column", "index-not-concurrent", "constraint-not-valid"}
    assert errors["20250217130000_project_cleanup.sql"] >= {
        "drop-column", "column-type-rewrite", "narrowing-type-change"}
    assert errors["20250224100000_task_comments.sql"] >= {
        "tenant-index-missing", "rls-user-metadata"}


def test_the_examples_well_made_tables_pass_without_errors(cli: Cli) -> None:
    errors = _errors_by_file(cli)
    for name in ("20250106090000_tenants_and_activity_log.sql", "20250113100000_projects.sql",
                 "20250120110000_tasks.sql"):
        assert errors[name] == set(), name
