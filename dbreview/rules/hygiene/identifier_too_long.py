from __future__ import annotations

import re
from collections.abc import Iterator

from pglast import parser as pg

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.identifiers import MAX_IDENTIFIER_BYTES, identifier_bytes, truncated

# PostgreSQL folds unquoted identifiers to lower case in ASCII only.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@rule(
    id="identifier-too-long",
    category="hygiene",
    severity="error",
    summary="An identifier longer than 63 bytes",
    rationale="PostgreSQL keeps the first 63 bytes of an identifier and drops the rest with "
    "only a NOTICE. Two long names that share their first 63 bytes become the same name (the "
    "second CREATE fails, or a DROP or ALTER hits the wrong object), and code or later "
    "migrations that use the full name no longer match what the catalog holds.",
    remediation="Shorten the name to 63 bytes or fewer (abbreviate words; `_idx`, `_fkey` "
    "and `_pkey` suffixes are enough)",
    bad="CREATE INDEX invoices_customer_id_created_at_status_currency_amount_due_date_idx\n"
    "  ON invoices (customer_id, created_at, status, currency, amount, due_date);",
    good="CREATE INDEX invoices_customer_created_status_idx\n"
    "  ON invoices (customer_id, created_at, status, currency, amount, due_date);",
)
def check(context: StatementContext) -> Iterator[Hit]:
    statement = context.statement
    if not statement.kind or not _may_hold_long_name(statement.text):
        return
    reported: set[str] = set()
    for name in _identifiers(statement.text):
        if identifier_bytes(name) > MAX_IDENTIFIER_BYTES and name not in reported:
            reported.add(name)
            yield Hit(message=f'identifier "{name}" is {identifier_bytes(name)} bytes: '
                      f'PostgreSQL truncates it to "{truncated(name)}"')


# A word or a quoted name long enough to be over the limit: 16 characters of up to 4 bytes.
_LONG_WORD = re.compile(r'"(?:[^"]|"")+"|[\w$]{16,}')
# In ASCII text a character is a byte: only a word or a quoted name of 64 characters can be.
_LONG_ASCII_WORD = re.compile(r'"(?:[^"]|""){64,}"|[\w$]{64,}')


def _may_hold_long_name(text: str) -> bool:
    """A cheap test before the scanner, which costs far more than the rule on most statements."""
    if text.isascii():
        return _LONG_ASCII_WORD.search(text) is not None
    return any(len(match.group().encode("utf-8")) > MAX_IDENTIFIER_BYTES
               for match in _LONG_WORD.finditer(text))


def _identifiers(text: str) -> Iterator[str]:
    """Every identifier as written (the parse tree holds them already truncated)."""
    for token in pg.scan(text):
        if token.name == "IDENT":
            written = text[token.start : token.end + 1]
            if written.startswith('"'):
                yield written[1:-1].replace('""', '"')
            else:
                yield written.translate(_ASCII_LOWER)


RULE = check
