from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.locks import HEAVY_LOCKS, TableLock
from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.sql.parse import Statement


def _unguarded(file: FileContext) -> list[tuple[Statement, TableLock]]:
    """Statements taking a heavy lock on an existing table before any SET lock_timeout, with
    their strongest such lock."""
    first_timeout = min(file.lock_timeout_lines, default=None)
    found = []
    for statement, impact in zip(file.statements, file.impacts, strict=True):
        if first_timeout is not None and statement.span.line >= first_timeout:
            break
        heavy = [lock for lock in impact.on_existing() if lock.mode in HEAVY_LOCKS]
        if heavy:
            found.append((statement, max(heavy, key=lambda lock: lock.mode)))
    return found


@rule(
    id="missing-lock-timeout",
    category="locking",
    severity="warning",
    summary="A blocking lock on an existing table without an earlier SET lock_timeout",
    rationale="A statement that needs a strong lock first waits for every transaction using "
    "the table, however long they run, and every query that arrives meanwhile queues behind "
    "it: one slow report turns a millisecond ALTER TABLE into an outage. With lock_timeout the "
    "migration gives up instead, and can be retried.",
    remediation="Put SET lock_timeout = '5s'; at the top of the file (SET LOCAL inside an "
    "explicit transaction), and retry the migration when it times out",
    bad="ALTER TABLE orders ADD COLUMN note text;",
    good="SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    unguarded = _unguarded(file)
    if not unguarded:
        return
    statement, lock = unguarded[0]
    yield Hit(
        message=f"{lock.mode.label} lock on existing table {lock.display} with no lock_timeout "
        f"set: while it waits, {lock.mode.blocks} on the table queue behind it; statements of "
        f"this file that need a lock_timeout: {len(unguarded)}",
        table=lock.display,
        suggested_sql="SET lock_timeout = '5s';",
        at=file.origin(statement),
    )


RULE = check
