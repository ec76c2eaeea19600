"""Why a migration exists, in its author's words: the comments at the top of the file, before
its first statement. Runner markers and `-- dbreview:` directives say how to run or review the
file, not why, so they are left out."""

from __future__ import annotations

import re

# The same markers migration-missing-comment ignores.
from dbreview.rules.hygiene.migration_missing_comment import _MARKER as RUNNER_MARKER
from dbreview.secrets import mask_secrets
from dbreview.sql.comments import comments
from dbreview.sql.parse import Statement

MAX_LENGTH = 2000
_BLOCK_DELIMITERS = re.compile(r"^/\*+|\*+/$")
_LINE_PREFIX = re.compile(r"^\s*(--+|\*)\s?")


def header_comment(up: str, statements: list[Statement]) -> str | None:
    """The comments before the first statement, without their `--` or `/* */`, or None."""
    head = statements[0].leading if statements else up
    lines: list[str] = []
    for comment in comments(head):
        if RUNNER_MARKER.match(comment.text):
            continue
        body = _BLOCK_DELIMITERS.sub("", comment.text)
        lines.extend(_LINE_PREFIX.sub("", line).rstrip() for line in body.splitlines())
    text = mask_secrets("\n".join(lines).strip())
    if len(text) > MAX_LENGTH:
        text = text[:MAX_LENGTH].rstrip() + " …"
    return text or None
