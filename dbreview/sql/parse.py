"""Parse migration text into statements with PostgreSQL's own grammar (pglast / libpg_query).

The fast path parses the whole text at once and reads libpg_query's JSON tree (building pglast's
Python AST objects costs twenty times more). When the text does not parse, it is split into
statements by a quote-aware splitter and each piece is parsed alone, so one broken statement
becomes one error and the rest of the file is still reviewed.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pglast import parser as pg

from dbreview.sql.source import LineIndex, Span, block_comment_end, skip_trivia

Node = dict[str, Any]


@dataclass(slots=True)
class Statement:
    """One statement of a migration file, with its own source text and position."""

    index: int
    kind: str  # the parse node's type, e.g. "CreateStmt"; "" when it did not parse
    node: Node
    text: str
    span: Span
    start: int  # byte offset of the statement's first token in the file
    leading: str = ""  # the comments and white space before it
    error: str | None = None
    error_span: Span | None = None
    ignores: dict[str, str] = field(default_factory=dict)  # rule id -> reason


# Above this size a parse tree is frozen out of the cyclic collector's sight (see _paused_gc),
# in a process that reviews once and exits: `freeze_large_trees` turns that on.
_FREEZE_BYTES = 1_000_000
_freezing = False


def freeze_large_trees() -> None:
    """Let parsing freeze large trees (see _paused_gc). Only for a process that reviews once
    and exits, the CLI: freezing pins whatever cyclic garbage is waiting, which a service
    reviewing pull request after pull request would accumulate."""
    global _freezing
    _freezing = True


@contextmanager
def _paused_gc(*, freeze: bool) -> Iterator[None]:
    # Building a large JSON tree triggers the cyclic collector again and again although it
    # creates no cycles; pausing it makes parsing three times faster. Freezing what was built
    # keeps later collections from walking a large tree again (it holds no cycles, so reference
    # counting still frees it). Freezing also pins whatever cyclic garbage is waiting, so it is
    # kept for large files only: a folder of small files would pin every file reviewed so far.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def parse_statements(text: str, lines: LineIndex | None = None) -> list[Statement]:
    """Every statement of `text`, in order; those that do not parse carry `error`."""
    lines = lines or LineIndex(text)
    with _paused_gc(freeze=_freezing and len(text) > _FREEZE_BYTES):
        try:
            tree = json.loads(pg.parse_sql_json(text))
        except pg.ParseError:
            return _parse_piecewise(text, lines)
        return list(_statements_from_tree(tree, lines, 0, len(lines.data), 0))


def _statements_from_tree(
    tree: Node, lines: LineIndex, base: int, limit: int, first_index: int
) -> Iterator[Statement]:
    data = lines.data
    index = first_index
    previous_end = base  # the comments between two statements lead the second one
    for raw in tree.get("stmts", ()):
        location = base + raw.get("stmt_location", 0)
        length = raw.get("stmt_len", 0)
        end = location + length if length else limit
        start = skip_trivia(data, location, end)
        ((kind, node),) = raw["stmt"].items()
        yield Statement(
            index=index,
            kind=kind,
            node=node,
            text=lines.text(start, end),
            span=lines.span(start, end),
            start=start,
            leading=lines.text(previous_end, start),
        )
        index += 1
        previous_end = _after_semicolon(data, end)


def _after_semicolon(data: bytes, end: int) -> int:
    return end + 1 if data[end : end + 1] == b";" else end


def _parse_piecewise(text: str, lines: LineIndex) -> list[Statement]:
    # runs inside _paused_gc, like the fast path
    statements: list[Statement] = []
    data = lines.data
    for piece_start, piece_end in split_statements(data):
        start = skip_trivia(data, piece_start, piece_end)
        if start >= piece_end:
            continue
        piece = data[piece_start:piece_end].decode("utf-8", "replace")
        try:
            tree = json.loads(pg.parse_sql_json(piece))
        except pg.ParseError as error:
            statements.append(_error_statement(len(statements), error, lines, piece_start,
                                               start, piece_end, piece))
            continue
        statements.extend(
            _statements_from_tree(tree, lines, piece_start, piece_end, len(statements))
        )
    return statements


def _error_statement(
    index: int, error: pg.ParseError, lines: LineIndex, piece_start: int, start: int,
    end: int, piece: str,
) -> Statement:
    message = str(error.args[0]) if error.args else str(error)
    location = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
    error_offset = piece_start + len(piece[:location].encode("utf-8"))
    error_offset = min(max(error_offset, start), max(start, end - 1))
    return Statement(
        index=index,
        kind="",
        node={},
        text=lines.text(start, end),
        span=lines.span(start, end),
        start=start,
        leading=lines.text(piece_start, start),
        error=message,
        error_span=lines.span(error_offset, error_offset + 1),
    )


_SIGNIFICANT = re.compile(rb"""[;'"]|--|/\*|\$(?:[A-Za-z_\x80-\xff][A-Za-z_0-9\x80-\xff]*)?\$""")


def split_statements(data: bytes) -> Iterator[tuple[int, int]]:
    """Byte ranges of the statements of `data`, each ending after its `;`.

    Survives what the parser rejects: it only needs quotes, comments and dollar quotes to be
    closed, and an unclosed one runs to the end of the text.
    """
    start = 0
    position = 0
    size = len(data)
    while True:
        match = _SIGNIFICANT.search(data, position)
        if match is None:
            break
        token = match.group()
        position = match.end()
        if token == b";":
            yield start, position
            start = position
        elif token == b"--":
            newline = data.find(b"\n", position)
            position = size if newline == -1 else newline + 1
        elif token == b"/*":
            position = block_comment_end(data, match.start(), size)
        elif token in (b"'", b'"'):
            position = _quoted_end(data, position, token, escapes=_is_escape_string(data, match))
        else:
            closing = data.find(token, position)
            position = size if closing == -1 else closing + len(token)
    if skip_trivia(data, start, size) < size:
        yield start, size


def _is_escape_string(data: bytes, match: re.Match[bytes]) -> bool:
    at = match.start()
    return match.group() == b"'" and at > 0 and data[at - 1 : at] in (b"E", b"e")


def _quoted_end(data: bytes, position: int, quote: bytes, *, escapes: bool) -> int:
    size = len(data)
    while position < size:
        byte = data[position : position + 1]
        if escapes and byte == b"\\":
            position += 2
        elif byte == quote:
            if data[position + 1 : position + 2] == quote:
                position += 2
            else:
                return position + 1
        else:
            position += 1
    return size
