from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.locks import LockMode, StatementImpact, TableLock
from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.schema.model import Key


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
    # every kind: any statement can be the one that keeps the lock waiting
)
def check(context: StatementContext) -> Iterator[Hit]:
    earlier = context.earlier_in_transaction()
    first = next((position for position, (_, impact) in enumerate(earlier)
                  if _exclusive_locks(impact)), None)
    if first is None:
        return
    locker, impact = earlier[first]
    held = {lock.table for lock in _exclusive_locks(impact)}
    if any(_work_while_held(later, held) for _, later in earlier[first + 1:]):
        return  # reported on an earlier statement of this transaction
    work = _work_while_held(context.impact, held)
    if work is None:
        return
    table = _exclusive_locks(impact)[0].display
    yield Hit(
        message=f"{table} stays locked ACCESS EXCLUSIVE (line {locker.span.line}) until COMMIT "
        f"while this statement {work}: reads and writes of {table} wait for it",
        table=table,
    )


RULE = check
