"""What several renderings share: the order of findings and the one-line verdict."""

from __future__ import annotations

from dbreview.review.model import Finding, Review


def by_position(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: (finding.line, finding.column, finding.rule))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def counts_phrase(review: Review) -> str:
    counts = review.counts()
    return (f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['notice'], 'notice')}, {counts['suppressed']} suppressed")


def summary_line(review: Review) -> str:
    """E.g. `failure: 1 error, 0 warnings, 2 notices, 1 suppressed in 3 files`."""
    verdict = "failure" if review.failed else "success"
    return f"{verdict}: {counts_phrase(review)} in {plural(len(review.files), 'file')}"
