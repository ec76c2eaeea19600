"""The sticky comment's hidden record of accepted rules: it survives a round trip, and only
the App's own comment counts."""

from __future__ import annotations

from dbreview.github.models import Comment, Ignore
from dbreview.github.sticky import (
    MAX_REASON,
    find_sticky,
    ignores_block,
    read_ignores,
    with_ignore,
)
from dbreview.render.markdown import COMMENT_MARKER

BOT = "dbreview[bot]"
ACCEPTED = Ignore("drop-column", "unused since v2 --> <script>", "alice", "2025-06-01T10:00:00Z")


def comment(body: str, author: str = BOT) -> Comment:
    return Comment(1, body, author, author.endswith("[bot]"), "https://github.test/c/1")


def test_accepted_rules_round_trip_through_the_comment() -> None:
    body = f"{COMMENT_MARKER}\nreview{ignores_block([ACCEPTED])}"
    assert "-->" not in ignores_block([ACCEPTED]).removesuffix(" -->\n")
    assert read_ignores(comment(body)) == [ACCEPTED]


def test_only_the_apps_own_comment_is_the_sticky_one() -> None:
    forged = comment(f"{COMMENT_MARKER}\n{ignores_block([ACCEPTED])}", author="mallory")
    quoted = comment(f"> {COMMENT_MARKER}", author=BOT)
    real = comment(f"{COMMENT_MARKER}\nreview")
    assert find_sticky([forged, quoted, real], BOT) is real
    assert find_sticky([forged], BOT) is None


def test_a_new_acceptance_replaces_the_same_rule_and_long_reasons_are_cut() -> None:
    again = Ignore("drop-column", "x" * 2000, "bob", "2025-06-02T10:00:00Z")
    other = Ignore("truncate", "", "bob", "2025-06-02T10:00:00Z")
    result = with_ignore(with_ignore([ACCEPTED], other), again)
    assert [entry.rule for entry in result] == ["truncate", "drop-column"]
    assert result[1].by == "bob" and len(result[1].reason) == MAX_REASON


def test_an_unreadable_block_counts_as_none() -> None:
    assert read_ignores(comment(f"{COMMENT_MARKER}\n<!-- dbreview:ignored bm90IGpzb24= -->")) \
        == []
    assert read_ignores(None) == []
