"""What a shadow run observed: plain facts the shadow rules and the impact summary read.

Nothing here talks to a server; `dbreview.shadow.session` fills these in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dbreview.impact.locks import LockMode
from dbreview.schema.model import Key
from dbreview.sql.parse import Statement
from dbreview.sql.source import Span


@dataclass(frozen=True, slots=True)
class ServerError:
    """PostgreSQL's own account of a failed statement."""

    sqlstate: str
    message: str  # the primary message, e.g. `relation "orderz" does not exist`
    detail: str | None = None
    hint: str | None = None
    position: int | None = None  # 1-based character offset into the statement's text

    def line_in(self, statement: Statement) -> int:
        """The file line the server points at (the statement's first line without a position)."""
        if self.position is None:
            return statement.span.line
        return statement.span.line + statement.text[: self.position - 1].count("\n")


@dataclass(frozen=True, slots=True)
class ObservedLock:
    table: Key
    mode: LockMode
    rewrite: bool  # the relation got a new relfilenode: every row was written again
    new: bool  # created earlier in the changeset


@dataclass(slots=True)
class StatementTrace:
    """One changeset statement run in its own transaction, with what it took."""

    path: str
    statement: Statement
    locks: list[ObservedLock]
    seconds: float


@dataclass(frozen=True, slots=True)
class ApplyFailure:
    """A changeset statement PostgreSQL refused: the deploy would stop here."""

    path: str
    statement: Statement
    error: ServerError
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class DownFailure:
    """A down migration that fails, or leaves a schema different from the one before its up."""

    path: str  # the up migration's report path: findings live there
    at: Span  # where to point in that file
    down_label: str  # how to name the down migration in a message
    error: ServerError | None = None
    error_line: int | None = None  # the failing line, in the down migration's own text
    differences: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unverifiable:
    """A statement the shadow server could not judge: an extension it lacks, a privilege the
    sandbox withholds, a statement dbreview never runs."""

    path: str
    line: int
    reason: str


@dataclass(slots=True)
class ShadowRun:
    """Everything one changeset's shadow run found."""

    server_version: str  # e.g. "15.20"
    statement_timeout: float  # seconds a statement may run before the server cancels it
    traces: list[StatementTrace] = field(default_factory=list)
    apply_failures: list[ApplyFailure] = field(default_factory=list)
    down_failures: list[DownFailure] = field(default_factory=list)
    unverifiable: list[Unverifiable] = field(default_factory=list)
    history_failures: int = 0  # history statements the server refused (replayed best effort)

    @property
    def server_major(self) -> int:
        return int(self.server_version.split(".")[0])
