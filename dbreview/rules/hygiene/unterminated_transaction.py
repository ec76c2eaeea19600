from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import FileContext, Hit, Scope, rule


@rule(
    id="unterminated-transaction",
    category="hygiene",
    severity="error",
    summary="BEGIN without COMMIT or ROLLBACK",
    rationale="A transaction the file opens and never closes ends however the runner ends "
    "the session: rolled back when the connection closes (the migration silently did "
    "nothing, yet is recorded as applied), or committed by the runner's own COMMIT together "
    "with whatever it runs next, holding every lock taken so far until then.",
    remediation="End the transaction with COMMIT at the end of the file, or drop the BEGIN "
    "and let the runner wrap the file",
    bad="BEGIN;\nALTER TABLE invoices ADD COLUMN paid_at timestamptz;",
    good="BEGIN;\nALTER TABLE invoices ADD COLUMN paid_at timestamptz;\nCOMMIT;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    opened = file.unterminated
    if opened is not None:
        yield Hit(message="this transaction is never committed or rolled back: the file "
                  "ends inside it", at=file.origin(opened))


RULE = check
