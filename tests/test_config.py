"""`.github/dbreview.yml` (or `--config FILE`): found where a user puts it, strict about keys,
and every mistake is one line naming the key, the fix, and the key that was probably meant."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_support import MIGRATIONS, Cli, cli_in, one_line

INDEX_FILE = f"{MIGRATIONS}/20240201000000_orders_index.sql"
CONFIG = ".github/dbreview.yml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = cli_in(tmp_path, monkeypatch, capsys)
    cli.orders_project()
    return cli


def _config_error(cli: Cli, config: str) -> str:
    cli.write(CONFIG, config)
    run = cli("check", MIGRATIONS)
    assert run.code == 2, run.out
    line = one_line(run.err)
    assert CONFIG in line
    return line


# Where the configuration comes from


def test_the_repository_config_is_found_from_a_subdirectory(cli: Cli,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    subprocess.run(["git", "init", "-q"], cwd=cli.root, check=True)
    cli.write(CONFIG, "rules:\n  index-not-concurrent: off\n")
    monkeypatch.chdir(cli.root / MIGRATIONS)
    run = cli("check", "--format", "json")
    assert run.code == 0
    assert "index-not-concurrent" not in run.rules()
    assert [report["path"] for report in run.json()["files"]][-1] == INDEX_FILE


def test_the_yaml_extension_is_found_too(cli: Cli) -> None:
    cli.write(".github/dbreview.yaml", "fail_on: never\n")
    assert cli("check", MIGRATIONS).code == 0


def test_config_names_another_file(cli: Cli) -> None:
    cli.write(CONFIG, "fail_on: never\n")
    cli.write("ci/strict.yml", "fail_on: error\n")
    run = cli("check", MIGRATIONS, "--config", "ci/strict.yml")
    assert run.code == 1  # the named file wins over .github/dbreview.yml


def test_a_missing_config_file_exits_2_naming_it(cli: Cli) -> None:
    run = cli("check", MIGRATIONS, "--config", "ci/nope.yml")
    assert run.code == 2
    assert "ci/nope.yml" in one_line(run.err)


def test_an_empty_config_file_means_the_defaults(cli: Cli) -> None:
    cli.write(CONFIG, "# nothing configured yet\n")
    run = cli("check", MIGRATIONS, "--format", "json")
    assert ("index-not-concurrent", INDEX_FILE, 2) in run.findings()


# Mistakes


def test_an_unknown_top_level_key_names_the_closest_key(cli: Cli) -> None:
    line = _config_error(cli, "failon: warning\n")
    assert "unknown key 'failon'" in line
    assert "did you mean 'fail_on'?" in line


def test_an_unknown_nested_key_names_the_closest_key(cli: Cli) -> None:
    line = _config_error(cli, "tenancy:\n  colum: org_id\n")
    assert "unknown key 'tenancy.colum'" in line
    assert "did you mean 'column'?" in line


def test_an_unknown_key_far_from_any_lists_the_known_keys(cli: Cli) -> None:
    line = _config_error(cli, "audit:\n  zzz: 1\n")
    assert "'audit.zzz'" in line
    assert "table" in line and "function" in line and "exclude" in line


@pytest.mark.parametrize(("config", "key"), [
    ("fail_on: sometimes\n", "'fail_on'"),
    ("pg_version: 9\n", "'pg_version'"),
    ("migrations: supabase/migrations\n", "'migrations'"),
    ("rules:\n  index-not-concurrent: loud\n", "'rules.index-not-concurrent'"),
    ("llm:\n  enabled: maybe\n", "'llm.enabled'"),
])
def test_a_bad_value_exits_2_naming_the_key(cli: Cli, config: str, key: str) -> None:
    assert key in _config_error(cli, config)


def test_a_config_that_is_not_a_mapping_exits_2(cli: Cli) -> None:
    assert "mapping" in _config_error(cli, "- fail_on\n")


def test_invalid_yaml_exits_2_with_the_line(cli: Cli) -> None:
    line = _config_error(cli, "fail_on: warning\nrules: {index-not-concurrent: off\n")
    assert "not valid YAML at line 3" in line


def test_an_unknown_rule_id_exits_2_with_a_suggestion(cli: Cli) -> None:
    line = _config_error(cli, "rules:\n  index-not-concurent: off\n")
    assert "'rules.index-not-concurent'" in line
    assert "did you mean 'index-not-concurrent'?" in line


# What the settings do


@pytest.mark.parametrize("off", ["off", "'off'", '"off"'])
def test_a_rule_set_to_off_is_silenced(cli: Cli, off: str) -> None:
    # YAML 1.1 reads a bare `off` as false: it must still mean "off", not a type error.
    cli.write(CONFIG, f"rules:\n  index-not-concurrent: {off}\n")
    run = cli("check", MIGRATIONS, "--format", "json")
    assert run.code == 0
    assert "index-not-concurrent" not in run.rules()


def test_a_severity_override_changes_the_finding_and_the_exit_code(cli: Cli) -> None:
    assert cli("check", MIGRATIONS).code == 1
    cli.write(CONFIG, "rules:\n  index-not-concurrent: notice\n")
    run = cli("check", MIGRATIONS, "--format", "json")
    assert run.code == 0
    severities = {finding["rule"]: finding["severity"]
                  for report in run.json()["files"] for finding in report["findings"]}
    assert severities["index-not-concurrent"] == "notice"


def test_fail_on_in_the_config_and_on_the_command_line(cli: Cli) -> None:
    cli.write(CONFIG, "fail_on: never\n")
    assert cli("check", MIGRATIONS).code == 0
    assert cli("check", MIGRATIONS, "--fail-on", "error").code == 1  # the flag wins
