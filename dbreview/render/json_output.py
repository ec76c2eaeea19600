"""`--format json`: the machine-readable review, schema_version 1 (see docs/cli.md)."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from dbreview import __version__
from dbreview.review.model import FileReport, Finding, Review, StatementFacts, TableChange

SCHEMA_VERSION = 1
_FINDING_KEYS = [f.name for f in fields(Finding) if f.name != "path"]
_FACT_KEYS = [f.name for f in fields(StatementFacts)]
_CHANGE_KEYS = [f.name for f in fields(TableChange)]


def _plain(item: object, keys: list[str]) -> dict[str, Any]:
    # dataclasses.asdict deep-copies every value; these hold only plain values and lists.
    return {key: getattr(item, key) for key in keys}


def _file(report: FileReport) -> dict[str, Any]:
    findings = []
    for finding in report.findings:
        item = _plain(finding, _FINDING_KEYS)
        if item["suggested_sql"] is None:
            del item["suggested_sql"]
        findings.append(item)
    return {
        "path": report.path,
        "version": report.version,
        "statements": report.statements,
        "findings": findings,
        "suppressed": [
            {"rule": s.rule, "line": s.line, "reason": s.reason} for s in report.suppressed
        ],
    }


def review_document(review: Review) -> dict[str, Any]:
    impact = review.impact
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dbreview", "version": __version__},
        "conclusion": review.conclusion,
        "counts": review.counts(),
        "files": [_file(report) for report in review.files],
        "impact": {
            "tables": [_plain(change, _CHANGE_KEYS) for change in impact.tables],
            "statements": [_plain(facts, _FACT_KEYS)
                           for report in review.files for facts in report.facts],
            "backfill_needed": impact.backfill_needed,
            "downtime_risk": impact.downtime_risk,
            "data_loss": impact.data_loss,
        },
    }


def render(review: Review) -> str:
    # Compact: the C encoder is ten times faster than indent=2 on large reviews; `jq .` pretty
    # prints it for people.
    return json.dumps(review_document(review), ensure_ascii=False, separators=(",", ":")) + "\n"
