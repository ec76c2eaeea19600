"""The one sticky review comment: found again by its marker, edited in place, never duplicated.

It also stores what `/dbreview ignore` accepted (who, when, why) in a hidden block at its end,
so the service keeps no state of its own and any replica can serve the next event. The block
is base64 JSON inside an HTML comment: nothing a user wrote can close the comment early, and
it is only ever read from the App's own comment, so a pasted copy decides nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict

from dbreview.github.adapters import COMMENT_MARKER
from dbreview.github.models import Comment, Ignore

_BLOCK = re.compile(r"<!-- dbreview:ignored (?P<data>[A-Za-z0-9+/=]*) -->")
MAX_REASON = 500
MAX_IGNORES = 50


def find_sticky(comments: list[Comment], bot_login: str) -> Comment | None:
    for comment in comments:
        if comment.author == bot_login and comment.body.startswith(COMMENT_MARKER):
            return comment
    return None


def read_ignores(comment: Comment | None) -> list[Ignore]:
    if comment is None or (match := _BLOCK.search(comment.body)) is None:
        return []
    try:
        entries = json.loads(base64.b64decode(match.group("data"), validate=True))
        return [Ignore(str(e["rule"]), str(e["reason"]), str(e["by"]), str(e["at"]))
                for e in entries]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return []  # an unreadable block (hand-edited): start afresh rather than fail


def with_ignore(ignores: list[Ignore], new: Ignore) -> list[Ignore]:
    """The list with `new` replacing any earlier entry for the same rule."""
    kept = [entry for entry in ignores if entry.rule != new.rule]
    trimmed = Ignore(new.rule, new.reason[:MAX_REASON], new.by, new.at)
    return (kept + [trimmed])[-MAX_IGNORES:]


def ignores_block(ignores: list[Ignore]) -> str:
    if not ignores:
        return ""
    data = json.dumps([asdict(entry) for entry in ignores], ensure_ascii=False)
    return f"\n<!-- dbreview:ignored {base64.b64encode(data.encode()).decode()} -->\n"
