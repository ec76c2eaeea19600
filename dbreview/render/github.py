"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=RULE::MESSAGE`, then the summary
line. Values are escaped as the Actions runner unescapes them, so a path or message cannot end
the command early or start another one.
"""

from __future__ import annotations

from dbreview.render.common import by_position, summary_line
from dbreview.review.model import Finding, Review


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _properties(finding: Finding) -> dict[str, str | int]:
    properties: dict[str, str | int] = {
        "file": finding.path, "line": finding.line, "col": finding.column,
        "endLine": finding.end_line, "endColumn": finding.end_column, "title": finding.rule,
    }
    if finding.end_line != finding.line:
        # The runner drops an annotation that has columns but spans several lines.
        del properties["col"], properties["endColumn"]
    return properties


def _message(finding: Finding) -> str:
    parts = [finding.message, f"Fix: {finding.remediation}"]
    if finding.suggested_sql:
        parts.append(f"Suggested SQL:\n{finding.suggested_sql}")
    return "\n".join(parts)


def annotation(finding: Finding) -> str:
    properties = ",".join(f"{name}={escape_property(str(value))}"
                          for name, value in _properties(finding).items())
    return f"::{finding.severity} {properties}::{escape_data(_message(finding))}"


def render(review: Review) -> str:
    lines = [annotation(finding) for report in review.files
             for finding in by_position(report.findings)]
    lines.append(f"dbreview {summary_line(review)}")
    return "\n".join(lines) + "\n"
