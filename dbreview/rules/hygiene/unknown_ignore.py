from __future__ import annotations

import difflib
from collections.abc import Iterator

from dbreview.rules import registry
from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.sql.directives import Ignore
from dbreview.sql.source import LineIndex, Span


@rule(
    id="unknown-ignore",
    category="hygiene",
    severity="notice",
    summary="A dbreview:ignore naming a rule id that does not exist",
    rationale="An ignore with a misspelt rule id suppresses nothing: the finding it was "
    "meant to silence still fails the check, and the comment suggests to readers that "
    "someone accepted a risk. Words of a reason written without the ` -- ` separator are "
    "read as rule ids too.",
    remediation="Name rule ids exactly as `dbreview rules` lists them, and put the reason "
    "after ` -- `: `-- dbreview:ignore drop-column -- column unused since v2`",
    bad="-- dbreview:ignore drop-colum -- unused since v2\n"
    "ALTER TABLE invoices DROP COLUMN legacy_total;",
    good="-- dbreview:ignore drop-column -- unused since v2\n"
    "ALTER TABLE invoices DROP COLUMN legacy_total;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    ignores = file.directives.every_ignore()
    if not ignores:
        return
    known = registry().ids()
    lines = LineIndex(file.text.up)
    for ignore in sorted(ignores, key=lambda ignore: ignore.line):
        for rule_id in ignore.rules:
            if rule_id not in known:
                yield Hit(message=f"dbreview:ignore names an unknown rule '{rule_id}'"
                          f"{_did_you_mean(rule_id, known)}: it suppresses nothing",
                          at=Origin(file.path, _span_of(rule_id, ignore, lines)))


def _did_you_mean(rule_id: str, known: set[str]) -> str:
    close = difflib.get_close_matches(rule_id, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _span_of(rule_id: str, ignore: Ignore, lines: LineIndex) -> Span:
    """The rule id's place on the directive's line."""
    text = lines.line_text(ignore.line)
    directive = max(text.find("dbreview:ignore"), 0)
    column = text.find(rule_id, directive) + 1 or 1
    return Span(ignore.line, column, ignore.line, column + len(rule_id) - 1)


RULE = check
