"""`--format markdown`: the PR comment. Everything from the pull request is untrusted: it must
show as the text it is, never as Markdown structure, HTML, links, mentions or a second marker.
And the comment must fit: under GitHub's limit however large the pull request."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dbreview.render.markdown import COMMENT_MARKER, MARKER, MAX_COMMENT, Links, render
from dbreview.review.model import Impact, Review, StatementFacts, Suppressed
from tests.render.reviews import (
    PATH,
    every_section_review,
    finding,
    index_facts,
    report,
    sample_review,
)

HOSTILE = ("<!-- dbreview:review --> </details><img src=x onerror=alert(1)> <script>x</script> "
           "[click](https://evil.example) ![i](https://evil.example/i.png) *bold* _em_ "
           "`code` ~~gone~~ $x$ a|b & &amp; \\* @octocat")
OWN_TAGS = (MARKER, "<details>", "<summary>", "</summary>", "</details>", "<sub>", "</sub>",
            "<b>", "</b>", "<br>")
CHECK_RUN = "https://github.com/o/r/runs/7"


@dataclass(frozen=True)
class Accepted:
    """A record of `/dbreview ignore` as the App keeps it."""

    rule: str
    reason: str
    by: str
    at: str = "2025-03-01T10:00:00Z"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _tokens(markdown: str) -> list[Token]:
    flat = []
    for token in _parser().parse(markdown):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def _without_own_tags(html: str) -> str:
    for tag in OWN_TAGS:
        html = html.replace(tag, "")
    return html


def _hostile(plain: str) -> str:
    return f"{plain}\n\n# {HOSTILE}\n- item\n---\n```\n````"


def test_the_comment_starts_with_the_marker_and_untrusted_text_cannot_repeat_it() -> None:
    markdown = render(every_section_review(_hostile), head_sha=MARKER)
    assert markdown.startswith(COMMENT_MARKER + "\n")
    assert markdown.count(MARKER) == 1


def test_untrusted_text_injects_no_html_links_or_images() -> None:
    tokens = _tokens(render(every_section_review(_hostile)))
    for token in tokens:
        if token.type.startswith("html"):
            assert "<" not in _without_own_tags(token.content), token.content
    assert not [token for token in tokens if token.type in {"link_open", "image"}]


def test_untrusted_text_adds_no_structure() -> None:
    """Every section, filled with hostile text, has the same headings, tables, lists, folds and
    code blocks as with harmless text: nothing more, nothing less."""
    def structure(review: Review) -> list[str]:
        return [token.type for token in _tokens(render(review)) if token.type != "text"]

    assert structure(every_section_review(_hostile)) == structure(every_section_review())


def test_untrusted_text_reads_as_written() -> None:
    rendered = _parser().render(render(every_section_review(lambda plain: f"{plain} {HOSTILE}")))
    shown = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for field in ("why the migration exists", "backfill reason", "Fix: remedy", "paragraph"):
        assert f"{field} {shown}".replace("@", "@\u200b") in rendered, field


def test_mentions_do_not_notify() -> None:
    review = Review(files=[report([finding(message="ask @octocat first")])], impact=Impact())
    text = "".join(token.content for token in _tokens(render(review)) if token.type == "text")
    assert "@octocat" not in text
    assert "ask @\u200boctocat first" in text


def test_suggested_sql_fence_is_longer_than_any_backtick_run_inside() -> None:
    sql = "SELECT '```' AS three, '````' AS four;"
    review = Review(files=[report([finding(suggested_sql=sql)])], impact=Impact())
    markdown = render(review)
    assert f"`````sql\n{sql}\n`````" in markdown
    [block] = [token for token in _tokens(markdown) if token.type == "fence"]
    assert (block.info, block.content) == ("sql", sql + "\n")


def test_the_ten_sections_come_in_order() -> None:
    markdown = render(every_section_review(), head_sha="0123456789abcdef")
    landmarks = ["❌ **dbreview**", "### Impact summary", "### Safety review", "### Findings",
                 "<summary>Migration preview", "### Schema changes", "### Activity log",
                 "<summary>Schema explanations", "<summary>Documentation stubs", "<sub>dbreview"]
    positions = [markdown.index(landmark) for landmark in landmarks]
    assert positions == sorted(positions)


def test_verdict_line_then_what_decides_the_merge() -> None:
    def lines(review: Review, **options: str) -> list[str]:
        return render(review, **options).splitlines()  # type: ignore[arg-type]

    failing = lines(sample_review(), head_sha="0123456789abcdef")
    assert failing[1] == ("❌ **dbreview**: 1 error, 1 warning, 1 notice, 1 suppressed in 1 file "
                          "reviewed at `0123456`")
    assert failing[3] == ("**Not ready to merge**: downtime risk none · no backfill · "
                          "1 table changed")
    notices = Review(files=[report([finding(severity="notice")])], impact=Impact())
    assert lines(notices)[1].startswith("⚠️ **dbreview**: 0 errors, 0 warnings, 1 notice")
    clean = Review(files=[report([])], impact=Impact())
    assert lines(clean)[1] == (
        "✅ **dbreview**: 0 errors, 0 warnings, 0 notices, 0 suppressed in 1 file reviewed")
    assert lines(clean)[3].startswith("**Ready to merge**")
    assert "No findings." in render(clean)


def test_findings_grouped_by_severity_with_rule_location_and_fix() -> None:
    markdown = render(sample_review())
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings[:4] == ["### Impact summary", "### Findings", "#### ❌ Errors (1)",
                            "#### ⚠️ Warnings (1)"]
    assert "<details><summary>ℹ️ Notices (1)</summary>" in markdown  # notices fold
    assert (r"`index-not-concurrent` at supabase/migrations/20250101120000\_invoices\.sql:3: "
            "CREATE INDEX on existing table public\\.orders blocks writes until the build ends"
            in markdown)
    assert "Fix: Add the column without a default, then backfill" in markdown


def test_suppressed_findings_are_folded_with_their_reasons() -> None:
    markdown = render(sample_review())
    folded = markdown[markdown.index("<details><summary>Suppressed (1)</summary>"):]
    assert r"- `drop-column` at supabase/migrations/20250101120000\_invoices\.sql:9: " \
           "column unused since v2" in folded.split("</details>")[0]


def test_the_impact_summary_has_a_table_per_file_with_its_locks() -> None:
    review = sample_review()
    review.files.append(report([], path="db/other.sql"))
    markdown = render(review)
    assert markdown.count("| Migration |") == 2
    assert "| 3 | `CREATE INDEX orders_customer_idx ON public.orders (customer_id);` | SHARE |" \
           in markdown


def test_links_to_rule_docs_and_file_lines_when_known() -> None:
    links = Links(docs="https://docs.example/rules/", blob="https://github.com/o/r/blob/abc/")
    review = Review(files=[report([finding(path="db/my file (1).sql")], path="db/my file (1).sql")],
                    impact=Impact())
    tokens = _tokens(render(review, links=links))
    hrefs = [token.attrs["href"] for token in tokens if token.type == "link_open"]
    assert hrefs[-2:] == ["https://docs.example/rules/index-not-concurrent.md",
                          "https://github.com/o/r/blob/abc/db/my%20file%20%281%29.sql#L3"]


def test_footer_names_the_version_the_config_and_the_commands() -> None:
    footer = render(every_section_review()).rstrip().splitlines()[-1]
    assert footer.startswith("<sub>dbreview ")
    assert "config: `.github/dbreview.yml`" in footer
    assert "`/dbreview ignore <rule-id> [reason]`" in footer


def test_accepted_rules_are_suppressed_and_say_who_and_why() -> None:
    accepted = [Accepted(rule="index-not-concurrent", reason="table is empty", by="octocat")]
    review = Review(files=[report([finding()])], impact=Impact())
    markdown = render(review, ignored=accepted)
    assert markdown.splitlines()[1].startswith("✅ **dbreview**: 0 errors")
    assert "- `index-not-concurrent` by @&#8203;octocat on 2025\\-03\\-01: table is empty" \
        in markdown
    assert "accepted by @&#8203;octocat with /dbreview ignore: table is empty" in markdown
    assert review.files[0].findings  # the review given is left as it was


# The comment fits ---------------------------------------------------------------------------


def _huge_review(files: int = 300) -> Review:
    """`files` migrations, each with a dozen findings with SQL and a dozen statements."""
    reports = []
    for number in range(files):
        path = f"supabase/migrations/2025{number:010d}_change_{number}.sql"
        findings = [finding(path=path, line=line, end_line=line,
                            severity=("error", "warning", "notice")[line % 3])
                    for line in range(1, 13)]
        facts = [replace(index_facts(line=line), path=path) for line in range(1, 13)]
        reports.append(replace(report(findings, path=path, facts=facts),
                               why="Why: " + "a long explanation " * 20))
    statements: list[StatementFacts] = [f for r in reports for f in r.facts]
    return Review(files=reports, impact=Impact(statements=statements))


def _assert_valid(markdown: str) -> None:
    """Folds balanced, every code block closed, the footer last and outside any block."""
    assert markdown.count("<details>") == markdown.count("</details>")
    fences = re.findall(r"^(`{3,})", markdown, flags=re.MULTILINE)
    assert len(fences) % 2 == 0
    last = [token for token in _parser().parse(markdown) if token.level == 0][-1]
    assert last.type in ("paragraph_close", "html_block")
    assert markdown.rstrip().endswith("</sub>")


def test_300_migration_files_still_make_one_valid_comment_under_the_limit() -> None:
    markdown = render(_huge_review(), head_sha="0" * 40, details_url=CHECK_RUN)
    assert len(markdown) <= MAX_COMMENT
    _assert_valid(markdown)
    assert markdown.startswith(COMMENT_MARKER)
    assert "❌ **dbreview**: 1200 errors, 1200 warnings, 1200 notices" in markdown
    assert f"[the check run]({CHECK_RUN})" in markdown  # what was left out is there


def test_sections_give_up_detail_before_any_is_left_out() -> None:
    review = _huge_review(files=12)
    full = render(review)
    assert "```sql" in full  # suggested SQL, at full detail
    shorter = render(review, limit=len(full) - 1, details_url=CHECK_RUN)
    assert len(shorter) <= len(full) - 1
    assert "<summary>Migration preview" in shorter or "### Migration preview" in shorter
    assert "Comment shortened" not in shorter
    _assert_valid(shorter)


def test_a_tight_limit_leaves_sections_out_and_points_to_the_check_run() -> None:
    markdown = render(_huge_review(files=40), limit=4000, details_url=CHECK_RUN)
    assert len(markdown) <= 4000
    assert f"**Comment shortened:** the rest of the review is in [the check run]({CHECK_RUN})" \
        in markdown
    _assert_valid(markdown)


def test_a_file_without_statements_or_findings_still_renders() -> None:
    review = Review(files=[report([], path=PATH)], impact=Impact())
    markdown = render(review)
    assert "No findings." in markdown
    assert "nothing lasting" in markdown
    _assert_valid(markdown)


def test_suppressed_reason_shows_as_written() -> None:
    review = Review(files=[report([], [Suppressed(rule="drop-column", path=PATH, line=9,
                                                  reason="see #12 (cleanup)")])],
                    impact=Impact())
    rendered = _parser().render(render(review))
    assert "see #12 (cleanup)" in rendered
