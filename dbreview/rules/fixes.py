"""Building suggested SQL: rewrite a statement through pglast's AST and print it back.

Only findings need this, so the slower Python AST is built for a handful of statements, never
for every statement of a review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pglast import parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream, maybe_double_quote_name

from dbreview.sql.nodes import QName


def rewrite(sql: str, change: Callable[[Any], Any]) -> str | None:
    """`sql` (one statement) after `change(statement_node)`; None when it cannot be rewritten.

    `change` mutates the node in place or returns a replacement.
    """
    try:
        (raw,) = parse_sql(sql)
    except (ParseError, ValueError):
        return None
    replacement = change(raw.stmt)
    return printed(replacement if replacement is not None else raw.stmt)


def printed(node: Any) -> str:
    return str(RawStream()(node)) + ";"


def parses(sql: str) -> bool:
    try:
        parse_sql(sql)
    except ParseError:
        return False
    return True


def sql_name(name: QName | str) -> str:
    """A name (optionally schema-qualified) as SQL, double-quoted only where it must be."""
    parts = [name] if isinstance(name, str) else [part for part in name if part]
    return ".".join(maybe_double_quote_name(part) for part in parts)
