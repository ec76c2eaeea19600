"""`--format markdown`: the PR comment. Everything from the migration is untrusted: it must show
as the text it is, never as Markdown structure, HTML, links, mentions or a second marker."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dbreview.render.markdown import MARKER, Links, render
from dbreview.review.model import Impact, Review, Suppressed
from tests.render.reviews import finding, report, sample_review

HOSTILE = ("<!-- dbreview:review --> </details><img src=x onerror=alert(1)> <script>x</script> "
           "[click](https://evil.example) ![i](https://evil.example/i.png) *bold* _em_ "
           "`code` ~~gone~~ $x$ a|b & &amp; \\*")
OWN_TAGS = (MARKER, "<details>", "<summary>", "</summary>", "</details>", "<sub>", "<code>",
            "</code>", "</sub>")


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


def _hostile_review() -> Review:
    hostile = finding(message=f"first line\n\n# {HOSTILE}\n- item\n---", remediation=HOSTILE,
                      path=f"db/{HOSTILE}.sql", table=HOSTILE,
                      suggested_sql=f"SELECT '{MARKER}';\n```\n````")
    suppressed = Suppressed("drop-column", f"db/{HOSTILE}.sql", 9, HOSTILE)
    return Review(files=[report([hostile], [suppressed], path=f"db/{HOSTILE}.sql")],
                  impact=Impact())


def test_the_comment_starts_with_the_marker_and_untrusted_text_cannot_repeat_it() -> None:
    markdown = render(_hostile_review(), head_sha=MARKER)
    assert markdown.startswith(MARKER + "\n")
    assert markdown.count(MARKER) == 1


def test_untrusted_text_injects_no_html_links_or_images() -> None:
    tokens = _tokens(render(_hostile_review()))
    for token in tokens:
        if token.type.startswith("html"):
            assert "<" not in _without_own_tags(token.content), token.content
    assert not [token for token in tokens if token.type in {"link_open", "image"}]


def test_untrusted_text_adds_no_structure() -> None:
    """The same headings, emphasis and code as with harmless text: nothing more."""
    def structure(review: Review) -> list[str]:
        return [token.type for token in _tokens(render(review)) if token.type != "text"]

    plain = finding(message="first line", remediation="fix", path="db/x.sql", table="t",
                    suggested_sql="SELECT 1;")
    harmless = Review(files=[report([plain], [Suppressed("drop-column", "db/x.sql", 9, "why")],
                                    path="db/x.sql")], impact=Impact())
    assert structure(_hostile_review()) == structure(harmless)


def test_untrusted_text_reads_as_written() -> None:
    rendered = _parser().render(render(_hostile_review()))
    assert f"Fix: {HOSTILE}".replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;") in rendered


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


def test_findings_grouped_by_severity_with_rule_location_and_fix() -> None:
    markdown = render(sample_review())
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == [r"### supabase/migrations/20250101120000\_invoices\.sql",
                        "#### Errors (1)", "#### Warnings (1)", "#### Notices (1)"]
    assert (r"`index-not-concurrent` at supabase/migrations/20250101120000\_invoices\.sql:3: "
            "CREATE INDEX on existing table public\\.orders blocks writes until the build ends"
            in markdown)
    assert "Fix: Add the column without a default, then backfill" in markdown


def test_suppressed_findings_are_folded_with_their_reasons() -> None:
    markdown = render(sample_review())
    folded = markdown[markdown.index("<details><summary>1 suppressed</summary>"):]
    assert r"- `drop-column` at supabase/migrations/20250101120000\_invoices\.sql:9: " \
           "column unused since v2" in folded.split("</details>")[0]


def test_verdict_line() -> None:
    def verdict(review: Review, **options: str) -> str:
        return render(review, **options).splitlines()[1]  # type: ignore[arg-type]

    assert verdict(sample_review(), head_sha="0123456789abcdef") == (
        "❌ **dbreview**: 1 error, 1 warning, 1 notice, 1 suppressed in 1 file reviewed "
        "at `0123456`")
    notices = Review(files=[report([finding(severity="notice")])], impact=Impact())
    assert verdict(notices).startswith("⚠️ **dbreview**: 0 errors, 0 warnings, 1 notice")
    clean = Review(files=[report([])], impact=Impact())
    assert verdict(clean) == (
        "✅ **dbreview**: 0 errors, 0 warnings, 0 notices, 0 suppressed in 1 file reviewed")
    assert "No findings." in render(clean)


def test_links_to_rule_docs_and_file_lines_when_known() -> None:
    links = Links(docs="https://docs.example/rules/", blob="https://github.com/o/r/blob/abc/")
    review = Review(files=[report([finding(path="db/my file (1).sql")], path="db/my file (1).sql")],
                    impact=Impact())
    tokens = _tokens(render(review, links=links))
    assert [token.attrs["href"] for token in tokens if token.type == "link_open"] == [
        "https://docs.example/rules/index-not-concurrent.md",
        "https://github.com/o/r/blob/abc/db/my%20file%20%281%29.sql#L3"]


def test_footer_names_the_version() -> None:
    assert render(sample_review()).rstrip().splitlines()[-1].startswith("<sub>dbreview ")


def test_files_without_findings_get_no_section() -> None:
    review = Review(files=[report([finding()]), report([], path="db/other.sql")],
                    impact=Impact())
    headings = [line for line in render(review).splitlines() if line.startswith("### ")]
    assert len(headings) == 1 and "other" not in headings[0]
