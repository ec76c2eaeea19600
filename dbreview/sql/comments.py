"""The comments of SQL text, as PostgreSQL's own scanner sees them.

`--` or `/*` inside a string, a quoted identifier or a dollar-quoted body is not a comment; the
scanner knows every quoting rule (E'' escapes, nested block comments, $tag$ bodies).
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import parser as pg

_COMMENT_TOKENS = {"SQL_COMMENT", "C_COMMENT"}


@dataclass(frozen=True, slots=True)
class Comment:
    line: int  # 1-based line of its first character
    text: str  # with its `--` or `/* */`


def comments(text: str) -> list[Comment]:
    """Every comment of `text`, in order.

    Text the scanner rejects (an unclosed quote) is read up to that point: what follows is
    inside the unclosed quote.
    """
    return [
        Comment(line=text.count("\n", 0, start) + 1, text=text[start:end])
        for start, end in _comment_ranges(text)
    ]


def _comment_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of the comments (the scanner counts characters, not bytes)."""
    try:
        tokens = pg.scan(text)
    except pg.ParseError as error:
        location = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
        if not 0 < location < len(text):
            return []
        return _comment_ranges(text[:location])
    return [(token.start, token.end + 1) for token in tokens if token.name in _COMMENT_TOKENS]
