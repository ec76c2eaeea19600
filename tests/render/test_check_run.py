"""The check run's output: a title, a summary and a text under GitHub's limits, and one
annotation per finding on the statement's own first line."""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.render.check_run import MAX_OUTPUT, annotation, check_run_output
from dbreview.review.model import Impact, Review
from tests.render.reviews import every_section_review, finding, report, sample_review
from tests.render.test_markdown import _huge_review

COMMENT = "https://github.com/o/r/pull/1#issuecomment-9"


@dataclass(frozen=True)
class Accepted:
    rule: str
    reason: str
    by: str
    at: str = "2025-03-01T10:00:00Z"


def test_annotation_on_one_line_carries_columns_level_and_suggested_sql() -> None:
    assert annotation(finding()) == {
        "path": "supabase/migrations/20250101120000_invoices.sql",
        "start_line": 3, "end_line": 3, "start_column": 1, "end_column": 64,
        "annotation_level": "failure", "title": "index-not-concurrent",
        "message": "CREATE INDEX on existing table public.orders blocks writes until the build "
                   "ends\nFix: Use CREATE INDEX CONCURRENTLY in a migration that runs outside a "
                   "transaction",
        "raw_details": "CREATE INDEX CONCURRENTLY orders_customer_idx ON public.orders "
                       "(customer_id);",
    }


def test_annotation_over_several_lines_has_no_columns() -> None:
    """GitHub rejects start_column and end_column unless the annotation is on one line."""
    item = annotation(finding(line=5, end_line=7, suggested_sql=None))
    assert (item["start_line"], item["end_line"]) == (5, 7)
    assert "start_column" not in item and "end_column" not in item
    assert "raw_details" not in item


def test_levels_follow_severity() -> None:
    levels = [annotation(finding(severity=severity))["annotation_level"]
              for severity in ("error", "warning", "notice")]
    assert levels == ["failure", "warning", "notice"]


def test_annotations_come_fifty_per_request() -> None:
    findings = [finding(line=line, end_line=line) for line in range(1, 121)]
    output = check_run_output(Review(files=[report(findings)], impact=Impact()), "abc")
    assert [len(batch) for batch in output.annotation_batches()] == [50, 50, 20]
    assert [item["start_line"] for item in output.annotations] == list(range(1, 121))


def test_title_summary_and_text() -> None:
    output = check_run_output(every_section_review(), "0123456789abcdef", COMMENT)
    assert output.title == ("1 error, 0 warnings, 0 notices, 1 suppressed in 1 file; "
                            "downtime risk high")
    assert output.summary.startswith("❌ **dbreview**: 1 error")
    for section in ("### Impact summary", "### Safety review",
                    f"[the pull request comment]({COMMENT})"):
        assert section in output.summary
    assert "### Findings" in output.text and "Fix: remedy" in output.text
    assert "Migration preview" in output.text


def test_a_huge_review_stays_under_githubs_limits() -> None:
    output = check_run_output(_huge_review(), "0" * 40, COMMENT)
    assert len(output.summary) <= MAX_OUTPUT and len(output.text) <= MAX_OUTPUT
    assert len(output.annotations) == 3600
    assert output.text.count("<details>") == output.text.count("</details>")


def test_accepted_rules_leave_no_annotation_and_no_failure() -> None:
    output = check_run_output(sample_review(), "abc",
                              ignored=[Accepted("index-not-concurrent", "empty table", "octocat")])
    assert "index-not-concurrent" not in [item["title"] for item in output.annotations]
    assert output.title.startswith("0 errors, 1 warning, 1 notice, 2 suppressed")
