"""PostgreSQL's limit on identifier length (NAMEDATALEN - 1 bytes)."""

from __future__ import annotations

MAX_IDENTIFIER_BYTES = 63


def identifier_bytes(name: str) -> int:
    return len(name.encode("utf-8"))


def truncated(name: str) -> str:
    """The name PostgreSQL keeps: its first 63 bytes, never splitting a character."""
    return name.encode("utf-8")[:MAX_IDENTIFIER_BYTES].decode("utf-8", "ignore")
