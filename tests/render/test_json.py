"""`--format json`: the keys and shape docs/cli.md promises (schema_version 1)."""

from __future__ import annotations

import json
from typing import Any

from dbreview import __version__
from dbreview.render.json_output import render
from tests.render.reviews import PATH, sample_review

FINDING_KEYS = {"rule", "severity", "category", "message", "remediation", "suggested_sql",
                "table", "line", "column", "end_line", "end_column"}
STATEMENT_KEYS = {"path", "line", "sql", "lock", "tables", "blocks", "rewrite", "scan",
                  "observed"}


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(sample_review()))
    return document


CONTRACT_KEYS = ["schema_version", "tool", "conclusion", "counts", "files", "impact"]
ADDED_KEYS = {"fail_on", "config_file", "pr_title", "pr_body", "safety", "activity_log",
              "explanations", "explanations_omitted", "relationship_maps", "doc_stubs",
              "accepted"}


def test_top_level_shape() -> None:
    """docs/cli.md's keys first and in its order; keys added since come after them."""
    document = _document()
    assert list(document)[:6] == CONTRACT_KEYS
    assert set(document) - set(CONTRACT_KEYS) == ADDED_KEYS
    assert document["schema_version"] == 1
    assert document["tool"] == {"name": "dbreview", "version": __version__}
    assert document["conclusion"] == "failure"
    assert document["counts"] == {"error": 1, "warning": 1, "notice": 1, "suppressed": 1}


def test_file_findings_and_suppressions() -> None:
    [file] = _document()["files"]
    assert {"path", "version", "statements", "findings", "suppressed"} <= set(file)
    assert (file["path"], file["version"], file["statements"]) == (PATH, "20250101120000", 7)
    first = file["findings"][0]
    assert set(first) == FINDING_KEYS
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (
        3, 1, 3, 64)
    assert first["table"] == "public.orders"
    assert file["suppressed"] == [
        {"rule": "drop-column", "line": 9, "reason": "column unused since v2"}]


def test_suggested_sql_only_where_a_rewrite_exists() -> None:
    findings = _document()["files"][0]["findings"]
    assert ["suggested_sql" in finding for finding in findings] == [True, False, False]


def test_impact() -> None:
    impact = _document()["impact"]
    assert {"tables", "statements", "backfill_needed", "downtime_risk", "data_loss"} <= set(impact)
    [table] = impact["tables"]
    assert (table["name"], table["change"], table["new"]) == ("public.orders", "altered", False)
    [statement] = impact["statements"]
    assert STATEMENT_KEYS <= set(statement)  # more keys are allowed; these keep their meaning
    assert (statement["lock"], statement["blocks"], statement["observed"]) == (
        "SHARE", "writes", False)
    assert (impact["backfill_needed"], impact["downtime_risk"], impact["data_loss"]) == (
        False, "none", False)
