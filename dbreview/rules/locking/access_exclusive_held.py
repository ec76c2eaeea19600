from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.locks import LockMode, StatementImpact, TableLock
from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.schema.model import Key
from dbreview.sql.parse import Statement


def _exclusive_locks(impact: StatementImpact) -> list[TableLock]:
    return [lock for lock in impact.on_existing() if lock.mode is LockMode.ACCESS_EXCLUSIVE]


def _work_while_held(impact: StatementImpact, held: set[Key]) -> str | None:
    """What a later statement does that keeps the lock on `held` waiting, or None."""
    for lock in impact.on_existing():
        if lock.table not in held:
            return f"locks {lock.display} {lock.mode.label}"
        if lock.rewrite or lock.scan:
            return f"{'rewrites' if lock.rewrite else 'scans'} {lock.display}"
    return None


@rule(
    id="access-exclusive-held",
    category="locking",
    severity="warning",
    summary="More work in the transaction after an ACCESS EXCLUSIVE lock on an existing table",
    rationale="A lock is held until the transaction ends. After a statement takes ACCESS "
    "EXCLUSIVE on a table, every read and write of that table waits not only for that "
    "statement but for everything that follows it in the transaction: a scan, a rewrite, or a "
    "wait for another table's lock behind a long query.",
    remediation="Commit right after the statement that takes ACCESS EXCLUSIVE: move the later "
    "statements to a migration of their own, or run the ACCESS EXCLUSIVE statement last",
    bad="ALTER TABLE orders ADD COLUMN region text;\n"
    "UPDATE orders SET region = 'eu';",
    good="ALTER TABLE orders ADD COLUMN region text;\n"
    "-- in a later migration, in batches:\n"
    "UPDATE orders SET region = 'eu' WHERE id BETWEEN 1 AND 10000;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    # One pass over the file: per transaction, the first statement that takes ACCESS EXCLUSIVE
    # on an existing table, then the first later statement that keeps that lock waiting.
    lockers: dict[int, tuple[Statement, list[TableLock]]] = {}
    reported: set[int] = set()
    for statement, impact in zip(file.statements, file.impacts, strict=False):
        transaction = file.transaction_ids[statement.index]
        if transaction is None or transaction in reported:
            continue
        if transaction not in lockers:
            if locks := _exclusive_locks(impact):
                lockers[transaction] = (statement, locks)
            continue
        locker, locks = lockers[transaction]
        work = _work_while_held(impact, {lock.table for lock in locks})
        if work is None:
            continue
        reported.add(transaction)
        table = locks[0].display
        yield Hit(
            message=f"{table} stays locked ACCESS EXCLUSIVE (line {locker.span.line}) until "
            f"COMMIT while this statement {work}: reads and writes of {table} wait for it",
            table=table, at=file.origin(statement),
        )


RULE = check
