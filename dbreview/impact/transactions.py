"""Which statements of a file run inside the same transaction.

A file runs as its runner runs it: wrapped in one transaction (most runners, and dbreview's
default `assume_transaction: true`), as one script (PostgreSQL makes 2+ statements one implicit
transaction), or statement by statement (`-- dbreview:no-transaction` and the runners' own
markers). Explicit BEGIN … COMMIT opens a transaction wherever the file is not already in one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.layouts.base import TransactionMode
from dbreview.sql.parse import Statement

_OPENS = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_CLOSES = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_COMMIT_PREPARED",
           "TRANS_STMT_ROLLBACK_PREPARED", "TRANS_STMT_PREPARE"}


@dataclass(frozen=True, slots=True)
class Transactions:
    ids: list[int | None]  # per statement: the transaction it runs in, None when autocommitted
    unterminated: Statement | None  # a BEGIN never closed


def _control(statement: Statement) -> str:
    return str(statement.node.get("kind", "")) if statement.kind == "TransactionStmt" else ""


def track_transactions(statements: list[Statement], mode: TransactionMode) -> Transactions:
    real = [s for s in statements if s.kind and s.kind != "TransactionStmt"]
    if mode is TransactionMode.SCRIPT:
        mode = TransactionMode.WRAPPED if len(real) > 1 else TransactionMode.NONE
    ids: list[int | None] = []
    current: int | None = 0 if mode is TransactionMode.WRAPPED else None
    explicit_open: Statement | None = None
    next_id = 1
    for statement in statements:
        control = _control(statement)
        if control in _OPENS:
            explicit_open = statement
            if current is None:
                current, next_id = next_id, next_id + 1
        ids.append(current)
        if control in _CLOSES:
            explicit_open = None
            if mode is not TransactionMode.WRAPPED:
                current = None
    return Transactions(ids=ids, unterminated=explicit_open)
