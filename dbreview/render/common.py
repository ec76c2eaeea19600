"""What several renderings share: the order of findings and the one-line verdict."""

from __future__ import annotations

from dbreview.review.model import Review, by_position

__all__ = ["by_position", "counts_phrase", "plural", "risk_phrases", "summary_line"]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def counts_phrase(review: Review) -> str:
    counts = review.counts
    return (f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['notice'], 'notice')}, {counts['suppressed']} suppressed")


def summary_line(review: Review) -> str:
    """E.g. `failure: 1 error, 0 warnings, 2 notices, 1 suppressed in 3 files`."""
    verdict = "failure" if review.failed else "success"
    return f"{verdict}: {counts_phrase(review)} in {plural(len(review.files), 'file')}"


def risk_phrases(review: Review) -> list[str]:
    """The few facts that decide a merge, beyond the findings."""
    impact = review.impact
    risks = [f"downtime risk {impact.downtime_risk}",
             "backfill needed" if impact.backfill_needed else "no backfill"]
    if impact.data_loss:
        risks.append("can lose data")
    if impact.tables:
        risks.append(plural(len(impact.tables), "table") + " changed")
    return risks
