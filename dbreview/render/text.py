"""`--format text`: the terminal report. Colour only when writing to a terminal."""

from __future__ import annotations

from dbreview.render.common import by_position, risk_phrases, summary_line
from dbreview.review.model import Review

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m", "dim": "\033[2m",
            "bold": "\033[1m"}
_RESET = "\033[0m"


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.enabled else text


def render(review: Review, *, colour: bool = False) -> str:
    paint = _Paint(colour)
    lines: list[str] = []
    for report in review.files:
        if not report.findings and not report.suppressed:
            continue
        lines.append(paint("bold", report.path))
        for finding in by_position(report.findings):
            lines.append(f"  {finding.line}:{finding.column}  "
                         f"{paint(finding.severity, finding.severity.ljust(7))}  "
                         f"{finding.rule}  {finding.message}")
            lines.append(paint("dim", f"      fix: {finding.remediation}"))
            if finding.suggested_sql:
                for index, sql_line in enumerate(finding.suggested_sql.splitlines()):
                    prefix = "      sql: " if index == 0 else "           "
                    lines.append(paint("dim", prefix + sql_line))
        for suppressed in report.suppressed:
            reason = suppressed.reason or "no reason given"
            lines.append(paint("dim", f"  {suppressed.line}:  suppressed {suppressed.rule} "
                                      f"({reason})"))
        lines.append("")
    if review.files:
        lines.append(paint("bold", "impact: ") + " · ".join(risk_phrases(review)))
    lines.append(summary_line(review))
    return "\n".join(lines) + "\n"
