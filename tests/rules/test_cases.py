"""Runs every rule's YAML cases: tests/rules/cases/<category>/<rule-id>.yml.

A case gives the changeset SQL (`sql`, or `files` for several changeset files), optionally
`history` (SQL replayed first), `config`, `filename`, and `expect`: the (line, column) of each
finding of the file's rule, in order. `expect: []` is a near miss that must stay clean.
`suggested_sql`, when given, must equal the first finding's suggested SQL, and every suggested
SQL must parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dbreview.rules import registry
from tests.shadow.support import case_shadow
from tests.support import CHANGESET_VERSION, Project, assert_parses, findings_of, review_project

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*/*.yml")):
        document = yaml.safe_load(path.read_text())
        rule_id = path.stem
        for case in document["cases"]:
            params.append(pytest.param(rule_id, case, id=f"{rule_id}: {case['name']}"))
    return params


def _changeset(case: dict[str, Any]) -> list[tuple[str, str]]:
    if "files" in case:
        return [(item["name"], item["sql"]) for item in case["files"]]
    return [(case.get("filename", f"{CHANGESET_VERSION}_change.sql"), case["sql"])]


@pytest.mark.parametrize(("rule_id", "case"), _load_cases())
def test_rule_case(rule_id: str, case: dict[str, Any], tmp_path: Path) -> None:
    assert rule_id in registry().ids(), f"cases for unknown rule {rule_id}"
    history = case.get("history", [])
    history = [history] if isinstance(history, str) else history
    changeset = _changeset(case)
    if not case.get("invalid_sql"):
        for sql in [*history, *(sql for _, sql in changeset)]:
            assert_parses(sql)
    project = Project(root=tmp_path, history=history, changeset=changeset,
                      files=case.get("repository", {}))
    with case_shadow(case) as shadow:  # `shadow: true`: also applied to the test server
        review = review_project(project, case.get("config"), shadow)
    found = findings_of(review, rule_id)
    expected = [tuple(item) if isinstance(item, list) else (item["line"], item.get("column", 1))
                for item in case["expect"]]
    assert [(f.line, f.column) for f in found] == expected, [f.message for f in found]
    for finding in found:
        if finding.suggested_sql:
            assert_parses(finding.suggested_sql)
    if "suggested_sql" in case:
        assert found and found[0].suggested_sql == case["suggested_sql"].strip()
    if "message_contains" in case:
        assert found and case["message_contains"] in found[0].message


def test_every_rule_has_cases() -> None:
    covered = {path.stem for path in CASES_DIR.glob("*/*.yml")}
    missing = sorted(registry().ids() - covered)
    assert not missing, f"rules without YAML cases: {missing}"


def test_every_rule_case_file_has_a_firing_case_and_a_near_miss() -> None:
    for path in CASES_DIR.glob("*/*.yml"):
        cases = yaml.safe_load(path.read_text())["cases"]
        assert any(case["expect"] for case in cases), f"{path.name}: no case that fires"
        assert any(not case["expect"] for case in cases), f"{path.name}: no near miss"
