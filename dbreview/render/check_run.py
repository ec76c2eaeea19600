"""The check run's output: title, summary, text and annotations (review.md, "The check run").

The summary is what a reviewer reads first on the Checks tab: the verdict, the impact summary
and the safety review. The text holds every finding in full and the migration preview, which a
shortened PR comment points to. Both stay under GitHub's 65,535 characters: sections give
detail up, as in the comment. Annotations sit on the first line of the statement a finding is
about (its `line`, never the comments above it); the App sends them 50 per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dbreview.render.common import by_position, counts_phrase, plural
from dbreview.render.review_view import Links, ReviewView
from dbreview.render.templating import Trusted, untrusted_template
from dbreview.review.build import AcceptedRule, accept
from dbreview.review.model import Finding, Review

NAME = "dbreview"
MAX_OUTPUT = 65_535
ANNOTATIONS_PER_REQUEST = 50
_MAX_ANNOTATION_TEXT = 64 * 1024 - 1  # GitHub's limit for message and raw_details
_MAX_TITLE = 255
LEVELS = {"error": "failure", "warning": "warning", "notice": "notice"}
# (template, the levels it knows) for the summary and for the text, in order of giving up detail
_SUMMARY_LEVELS = ({"impact": 0}, {"impact": 1}, {"impact": 2})
_TEXT_LEVELS = ({"findings": 0, "preview": 0}, {"findings": 0, "preview": 1},
                {"findings": 0, "preview": 2}, {"findings": 1, "preview": 2},
                {"findings": 2, "preview": 2})


@dataclass(frozen=True, slots=True)
class CheckRunOutput:
    title: str
    summary: str
    text: str
    annotations: list[dict[str, Any]] = field(default_factory=list)

    def annotation_batches(self) -> list[list[dict[str, Any]]]:
        """The annotations in requests of at most 50 (GitHub's limit per request)."""
        return [self.annotations[start:start + ANNOTATIONS_PER_REQUEST]
                for start in range(0, len(self.annotations), ANNOTATIONS_PER_REQUEST)]


def check_run_output(review: Review, head_sha: str | None = None,
                     details_url: str | None = None, *, ignored: Sequence[AcceptedRule] = (),
                     links: Links | None = None) -> CheckRunOutput:
    """`details_url`: where the whole review is (the PR comment); the summary links to it."""
    review = accept(review, ignored)
    view = ReviewView(review, head_sha=head_sha, links=links)
    full_review = Trusted(f"[the pull request comment]({details_url})") if details_url else None
    return CheckRunOutput(
        title=_title(review),
        summary=_fitted("check_run/summary.md.j2", view, _SUMMARY_LEVELS, full_review),
        text=_fitted("check_run/text.md.j2", view, _TEXT_LEVELS, full_review),
        annotations=[annotation(finding) for report in review.files
                     for finding in by_position(report.findings)],
    )


def _title(review: Review) -> str:
    title = f"{counts_phrase(review)} in {plural(len(review.files), 'file')}"
    if review.impact.downtime_risk != "none":
        title += f"; downtime risk {review.impact.downtime_risk}"
    return title[:_MAX_TITLE]


def _fitted(name: str, view: ReviewView, levels: Sequence[dict[str, int]],
            full_review: Trusted | None) -> str:
    template = untrusted_template(name)
    text = ""
    for chosen in levels:
        text = template.render(view=view, levels=chosen, full_review=full_review)
        if len(text) <= MAX_OUTPUT:
            return text
    cut = text[:MAX_OUTPUT - 200].rsplit("\n\n", 1)[0]
    return cut + "\n\n**Shortened:** run `dbreview check --format markdown` for the rest.\n"


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ANNOTATION_TEXT else text[:_MAX_ANNOTATION_TEXT - 1] + "…"


def annotation(finding: Finding) -> dict[str, Any]:
    """A check-run annotation: plain text (GitHub shows it as written, so nothing to escape)."""
    item: dict[str, Any] = {
        "path": finding.path, "start_line": finding.line, "end_line": finding.end_line,
        "annotation_level": LEVELS[finding.severity],
        "title": finding.rule[:_MAX_TITLE],
        "message": _clip(f"{finding.message}\nFix: {finding.remediation}"),
    }
    if finding.line == finding.end_line:  # GitHub accepts columns on one-line annotations only
        item["start_column"], item["end_column"] = finding.column, finding.end_column
    if finding.suggested_sql:
        item["raw_details"] = _clip(finding.suggested_sql)
    return item
