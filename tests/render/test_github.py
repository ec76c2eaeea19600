"""`--format github`: one workflow command per finding, escaped as the Actions runner expects."""

from __future__ import annotations

from dbreview.render.github import annotation, render
from dbreview.review.model import Impact, Review
from tests.render.reviews import finding, report, sample_review


def test_one_command_per_finding_then_the_summary() -> None:
    lines = render(sample_review()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error", "::warning", "::notice", "dbreview"]
    assert lines[-1] == "dbreview failure: 1 error, 1 warning, 1 notice, 1 suppressed in 1 file"


def test_properties_of_a_one_line_finding() -> None:
    command = annotation(finding(suggested_sql=None))
    assert command == (
        "::error file=supabase/migrations/20250101120000_invoices.sql,line=3,col=1,endLine=3,"
        "endColumn=64,title=index-not-concurrent::CREATE INDEX on existing table public.orders "
        "blocks writes until the build ends%0AFix: Use CREATE INDEX CONCURRENTLY in a migration "
        "that runs outside a transaction")


def test_columns_are_left_out_when_a_finding_spans_lines() -> None:
    """The runner rejects col/endColumn unless line == endLine, and drops the annotation."""
    command = annotation(finding(line=5, end_line=7))
    properties = command.split("::")[1].split(" ", 1)[1]
    assert properties.split(",")[:3] == [
        "file=supabase/migrations/20250101120000_invoices.sql", "line=5", "endLine=7"]
    assert "col=" not in properties and "endColumn=" not in properties


def test_data_escaping_keeps_one_command_per_line() -> None:
    command = annotation(finding(message="100% of rows\r\n::error file=x.sql::forged",
                                 suggested_sql="SELECT 1;\nSELECT 2;"))
    assert "\n" not in command and "\r" not in command
    data = command.split("::", 2)[2]
    assert data.startswith("100%25 of rows%0D%0A::error file=x.sql::forged%0AFix: ")
    assert data.endswith("%0ASuggested SQL:%0ASELECT 1;%0ASELECT 2;")


def test_property_escaping() -> None:
    command = annotation(finding(path="db/a,b:c%d.sql", rule="x"))
    assert ",".join(["file=db/a%2Cb%3Ac%25d.sql", "line=3"]) in command
    assert ",title=x::" in command


def test_severity_commands() -> None:
    review = Review(files=[report([finding(severity="notice"), finding(severity="warning")])],
                    impact=Impact())
    assert [line[:9] for line in render(review).splitlines()[:2]] == ["::notice ", "::warning"]
