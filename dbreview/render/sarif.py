"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning.

One run; `tool.driver.rules` is the whole catalog, so an alert can show any rule's help. Each
finding is a result located in its file (URI relative to the repository root); each suppressed
finding is a result with an in-source suppression and its reason, so code scanning shows it as
dismissed rather than fixed. `partialFingerprints` keep an alert the same alert when lines move.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from dbreview import __version__
from dbreview.render.templating import fence, prose
from dbreview.review.model import FileReport, Finding, Review, Suppressed
from dbreview.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "dbreview/v1"
LEVELS = {"error": "error", "warning": "warning", "notice": "note"}

Json = dict[str, Any]
_WHITESPACE = re.compile(r"\s+")


def rule_descriptor(rule: Rule) -> Json:
    examples = f"Fires on:\n\n{fence(rule.bad, 'sql')}\n\nInstead:\n\n{fence(rule.good, 'sql')}"
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.remediation}\n\nFires on:\n{rule.bad}\n\nInstead:\n{rule.good}",
            "markdown": f"{prose(rule.rationale)}\n\n**Fix:** {prose(rule.remediation)}\n\n"
                        f"{examples}",
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"tags": [rule.category]},
    }


def _unknown_rule_descriptor(rule_id: str) -> Json:
    """A rule missing from the catalog given (a newer version's id): known by its id alone."""
    return {"id": rule_id, "shortDescription": {"text": rule_id}}


def _artifact_uri(path: str) -> str:
    return f"file://{quote(path)}" if path.startswith("/") else quote(path)


def _location(path: str, region: Json) -> Json:
    return {"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(path)},
                                 "region": region}}


class _Fingerprints:
    """Hash of rule, path and the statement's text (its message when the text is unknown),
    numbered when one statement has several findings of a rule; line numbers stay out."""

    def __init__(self, report: FileReport) -> None:
        self.statement_text = {facts.line: facts.sql for facts in report.facts}
        self.seen: Counter[str] = Counter()

    def __call__(self, rule: str, path: str, line: int, fallback: str | None) -> Json:
        text = self.statement_text.get(line, fallback)
        if text is None:
            return {}  # code scanning fingerprints the source line itself
        key = "\0".join([rule, path, _WHITESPACE.sub(" ", text).strip()])
        self.seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{self.seen[key]}".encode()).hexdigest()
        return {"partialFingerprints": {FINGERPRINT_KEY: digest}}


class _Results:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.descriptors = [rule_descriptor(rule) for rule in rules]
        self.index = {descriptor["id"]: i for i, descriptor in enumerate(self.descriptors)}

    def rule_index(self, rule_id: str) -> int:
        if rule_id not in self.index:
            self.index[rule_id] = len(self.descriptors)
            self.descriptors.append(_unknown_rule_descriptor(rule_id))
        return self.index[rule_id]

    def finding(self, finding: Finding, fingerprint: _Fingerprints) -> Json:
        region = {"startLine": finding.line, "startColumn": finding.column,
                  "endLine": finding.end_line,
                  "endColumn": finding.end_column + 1}  # SARIF's end column is exclusive
        result: Json = {
            "ruleId": finding.rule,
            "ruleIndex": self.rule_index(finding.rule),
            "level": LEVELS[finding.severity],
            "message": {"text": f"{finding.message.rstrip('.')}. Fix: {finding.remediation}"},
            "locations": [_location(finding.path, region)],
            **fingerprint(finding.rule, finding.path, finding.line, finding.message),
        }
        if finding.suggested_sql:
            result["properties"] = {"suggestedSql": finding.suggested_sql}
        return result

    def suppressed(self, suppressed: Suppressed, fingerprint: _Fingerprints) -> Json:
        """Without a level, a result takes its rule's default level."""
        index = self.rule_index(suppressed.rule)
        return {
            "ruleId": suppressed.rule,
            "ruleIndex": index,
            "message": {"text": self.descriptors[index]["shortDescription"]["text"]},
            "locations": [_location(suppressed.path, {"startLine": suppressed.line})],
            "suppressions": [{"kind": "inSource", "justification": suppressed.reason}],
            **fingerprint(suppressed.rule, suppressed.path, suppressed.line, None),
        }


def sarif_log(review: Review, rules: Iterable[Rule]) -> Json:
    results = _Results(rules)
    items: list[Json] = []
    for report in review.files:
        fingerprint = _Fingerprints(report)
        items.extend(results.finding(finding, fingerprint) for finding in report.findings)
        items.extend(results.suppressed(item, fingerprint) for item in report.suppressed)
    driver = {"name": "dbreview", "version": __version__, "semanticVersion": __version__,
              "rules": results.descriptors}
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                      "results": items}]}


def render(review: Review, rules: Iterable[Rule] | None = None) -> str:
    if rules is None:
        from dbreview.rules import registry

        rules = registry().rules
    return json.dumps(sarif_log(review, rules), ensure_ascii=False, separators=(",", ":")) + "\n"
