"""Migration files that hold both directions, and runner markers inside files.

goose:   -- +goose Up / -- +goose Down, -- +goose StatementBegin/End, -- +goose NO TRANSACTION
dbmate:  -- migrate:up [transaction:false] / -- migrate:down
postgres-migrations (Supabase Storage): -- postgres-migrations disable-transaction / ignore

The part of the other direction is blanked rather than cut, so lines and columns stay those of
the file.
"""

from __future__ import annotations

import re

from dbreview.layouts.base import MigrationText, TransactionMode

_GOOSE = re.compile(
    r"^[ \t]*--[ \t]*\+goose[ \t]+(up|down)\b[^\n]*$", re.IGNORECASE | re.MULTILINE
)
_GOOSE_END = re.compile(
    r"^[ \t]*--[ \t]*\+goose[ \t]+StatementEnd\b.*$", re.IGNORECASE | re.MULTILINE
)
_GOOSE_NO_TX = re.compile(r"--[ \t]*\+goose[ \t]+NO[ \t]+TRANSACTION", re.IGNORECASE)
_DBMATE = re.compile(r"^[ \t]*--[ \t]*migrate:(up|down)\b([^\n]*)$", re.MULTILINE)
_MARKER_LINE = re.compile(
    r"^[ \t]*--[ \t]*(\+goose|migrate:)[^\n]*$", re.IGNORECASE | re.MULTILINE
)
_PG_MIGRATIONS_NO_TX = "-- postgres-migrations disable-transaction"
_PG_MIGRATIONS_IGNORE = "-- postgres-migrations ignore"


def blank(text: str) -> str:
    """The same lines, every other character a space."""
    return re.sub(r"[^\n]", " ", text)


def _split(text: str, markers: list[re.Match[str]]) -> tuple[str, str | None]:
    up_parts: list[str] = []
    down_parts: list[str] = []
    down_body: list[str] = []
    previous = 0
    direction = "none"
    for marker in [*markers, None]:
        chunk = text[previous : marker.start()] if marker else text[previous:]
        up_parts.append(chunk if direction == "up" else blank(chunk))
        down_parts.append(chunk if direction == "down" else blank(chunk))
        if direction == "down":
            down_body.append(chunk)
        if marker is not None:
            up_parts.append(marker.group())
            down_parts.append(marker.group())
            direction = marker.group(1).lower()
            previous = marker.end()
    return "".join(up_parts), "".join(down_parts) if _has_sql(down_body) else None


def _has_sql(chunks: list[str]) -> bool:
    """A down section holds more than the runner's markers (an empty one undoes nothing)."""
    return bool(_MARKER_LINE.sub("", "".join(chunks)).replace(";", "").strip())


def section_style(text: str) -> str | None:
    """Which runner's sections hold the file's directions: "goose", "dbmate" or None."""
    if "+goose" in text and _GOOSE.search(text):
        return "goose"
    if "migrate:" in text and _DBMATE.search(text):
        return "dbmate"
    return None


def _close_goose_statements(text: str) -> str:
    # goose ends a statement at StatementEnd even without a `;`; a `;` in its place keeps the
    # next statement from running into it (an empty statement `;;` is harmless).
    return _GOOSE_END.sub(lambda match: ";" + " " * (len(match.group()) - 1), text)


def split_sections(text: str) -> MigrationText:
    if "+goose" in text:
        markers = list(_GOOSE.finditer(text))
        if markers:
            up, down = _split(_close_goose_statements(text), markers)
            no_tx = TransactionMode.NONE if _GOOSE_NO_TX.search(text) else None
            return MigrationText(up, down, no_tx)
    if "migrate:" in text:
        markers = list(_DBMATE.finditer(text))
        if markers:
            up, down = _split(text, markers)
            outside = any(
                "transaction:false" in marker.group(2).replace(" ", "")
                for marker in markers
                if marker.group(1) == "up"
            )
            return MigrationText(up, down, TransactionMode.NONE if outside else None)
    if _PG_MIGRATIONS_IGNORE in text:
        return MigrationText(blank(text), None, None)
    if _PG_MIGRATIONS_NO_TX in text:
        return MigrationText(text, None, TransactionMode.NONE)
    return MigrationText(text, None, None)
