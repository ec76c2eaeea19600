"""`--format text`: what a person reads in the terminal, and colour only on a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dbreview.commands import check
from dbreview.render.text import render
from dbreview.review.model import Impact, Review
from tests.render.reviews import sample_review

ESCAPE = "\033["


@pytest.fixture
def check_prints_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "build_review", lambda request: sample_review())


def _run(**options: object) -> int:
    return check.run_check(check.CheckRequest(paths=[], format="text", **options))  # type: ignore[arg-type]


@pytest.mark.usefixtures("check_prints_sample")
def test_no_colour_when_stdout_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 1
    output = capsys.readouterr().out
    assert ESCAPE not in output
    assert "3:1  error    index-not-concurrent  CREATE INDEX on existing table" in output


@pytest.mark.usefixtures("check_prints_sample")
def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _run()
    assert "\033[31merror" in capsys.readouterr().out


@pytest.mark.usefixtures("check_prints_sample")
def test_a_report_file_is_never_coloured(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _run(output=tmp_path / "report.txt")
    assert ESCAPE not in (tmp_path / "report.txt").read_text()


def test_findings_in_line_order_with_fix_sql_and_suppressions() -> None:
    review = sample_review()
    review.files[0].findings.reverse()
    lines = render(review).splitlines()
    assert lines[0] == "supabase/migrations/20250101120000_invoices.sql"
    rows = [line.split()[0] for line in lines if line.startswith("  ") and line[2].isdigit()]
    assert rows == ["3:1", "5:1", "8:1", "9:"]
    assert "      sql: CREATE INDEX CONCURRENTLY orders_customer_idx ON public.orders " \
           "(customer_id);" in lines
    assert "  9:  suppressed drop-column (column unused since v2)" in lines


def test_the_impact_line_says_what_decides_the_merge() -> None:
    review = sample_review()
    review.impact.downtime_risk = "high"
    review.impact.data_loss = True
    assert render(review).splitlines()[-2] == (
        "impact: downtime risk high · no backfill · can lose data · 1 table changed")


def test_summary_line_counts_with_plurals() -> None:
    assert render(sample_review()).splitlines()[-1] == (
        "failure: 1 error, 1 warning, 1 notice, 1 suppressed in 1 file")
    empty = Review(files=[], impact=Impact())
    assert render(empty) == "success: 0 errors, 0 warnings, 0 notices, 0 suppressed in 0 files\n"
