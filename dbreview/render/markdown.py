"""`--format markdown`: the sticky pull-request comment (templates/comment.md.j2).

This first version holds the verdict line, the findings of each file grouped by severity, the
suppressed findings folded with their reasons, and a footer. Every value from the migration is
escaped by the template environment (see `templating`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from dbreview import __version__
from dbreview.render.common import by_position, counts_phrase, plural
from dbreview.render.templating import Trusted, code, inline, untrusted_template
from dbreview.review.model import FileReport, Finding, Review

MARKER = "<!-- dbreview:review -->"

SEVERITY_HEADINGS = (("error", "Errors"), ("warning", "Warnings"), ("notice", "Notices"))


@dataclass(frozen=True, slots=True)
class Links:
    """Where links point. The GitHub App knows; on the command line there are no links."""

    docs: str | None = None  # base URL of docs/rules/, ending in "/"
    blob: str | None = None  # base URL of the reviewed commit's files, ending in "/"

    def rule(self, rule_id: str) -> Trusted:
        label = code(rule_id)
        if self.docs is None:
            return label
        return Trusted(f"[{label}]({self.docs}{quote(rule_id)}.md)")

    def location(self, path: str, line: int) -> Trusted:
        label = inline(f"{path}:{line}")
        if self.blob is None:
            return label
        return Trusted(f"[{label}]({self.blob}{quote(path)}#L{line})")


def _verdict_icon(review: Review) -> str:
    if review.failed:
        return "❌"
    return "⚠️" if review.findings() else "✅"


def _severity_groups(report: FileReport) -> list[tuple[str, list[Finding]]]:
    groups = []
    for severity, heading in SEVERITY_HEADINGS:
        findings = by_position([f for f in report.findings if f.severity == severity])
        if findings:
            groups.append((heading, findings))
    return groups


def render(review: Review, *, head_sha: str | None = None, links: Links | None = None) -> str:
    links = links or Links()
    return untrusted_template("comment.md.j2").render(
        marker=Trusted(MARKER),
        icon=Trusted(_verdict_icon(review)),
        counts=counts_phrase(review),
        files=plural(len(review.files), "file"),
        head_sha=head_sha[:7] if head_sha else None,
        reports=[report for report in review.files if report.findings or report.suppressed],
        severity_groups=_severity_groups,
        rule_link=links.rule,
        location_link=links.location,
        version=Trusted(__version__),
    )
