from __future__ import annotations

import re
from collections.abc import Iterator

from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.sql.comments import Comment, comments
from dbreview.sql.preprocess import preprocess

# Markers for migration runners and for dbreview say how to run or review the file, not why
# it exists.
_MARKER = re.compile(
    r"^(--|/\*)\s*(\+goose\b|migrate:|postgres-migrations\b|dbreview:)", re.IGNORECASE
)


@rule(
    id="migration-missing-comment",
    category="hygiene",
    severity="warning",
    summary="A migration file without a single SQL comment",
    rationale="A migration outlives the pull request that explained it. A comment at the top "
    "saying why the change is made, and anything surprising (a backfill to run, an index "
    "built separately, a follow-up migration), is what the next person reading the history "
    "has. Runner markers (`-- +goose Up`, `-- migrate:up`) and `-- dbreview:` directives do "
    "not count; a `--` inside a string or a function body is not a comment.",
    remediation="Start the file with a `--` comment that says why the change is made and "
    "what to watch when it runs",
    bad="ALTER TABLE invoices ADD COLUMN paid_at timestamptz;",
    good="-- Record when an invoice was paid, for the overdue reminders (#123).\n"
    "ALTER TABLE invoices ADD COLUMN paid_at timestamptz;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    if not file.statements:
        return  # an empty file has nothing to explain
    if any(not _MARKER.match(comment.text) for comment in _comments(file)):
        return
    yield Hit(message=f"{file.migration.label} has no comment saying why the change is "
              "made")


def _comments(file: FileContext) -> Iterator[Comment]:
    """The comments before each statement first (scanning a whole 20,000-statement file costs
    far more), then, only if none of them counts, every comment of the file."""
    for statement in file.statements:
        yield from comments(statement.leading)
    yield from comments(preprocess(file.text.up))


RULE = check
