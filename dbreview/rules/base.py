"""What a rule is, what it is given, and what it reports.

A rule is one small module under `dbreview/rules/<category>/` that defines `RULE`. Its `check`
is a pure function of a context: it yields `Hit`s, and the engine turns them into findings
(adding the rule id, severity, file and position, and applying suppressions and config).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbreview.config import Config
from dbreview.impact.locks import StatementImpact
from dbreview.layouts.base import Migration, MigrationText, TransactionMode
from dbreview.rules.statements import NewColumn, new_columns
from dbreview.schema.model import Origin, Schema, Table
from dbreview.sql.directives import FileDirectives
from dbreview.sql.nodes import Node, QName
from dbreview.sql.parse import Statement
from dbreview.sql.source import Span

if TYPE_CHECKING:
    from dbreview.shadow.model import ShadowRun


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "notice": 1}[self.value]


class Scope(StrEnum):
    STATEMENT = "statement"  # called for each statement of the changeset, before it is replayed
    FILE = "file"  # called once per changeset file, after its statements
    CHANGESET = "changeset"  # called once, on the schema after the whole changeset


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem a rule found. Positions default to the statement being checked."""

    message: str
    table: str | None = None
    suggested_sql: str | None = None
    remediation: str | None = None  # a more specific fix than the rule's own
    at: Origin | None = None  # point elsewhere: the statement that created an object, a file


@dataclass(slots=True)
class FileContext:
    """One changeset file while (and after) it is analysed."""

    migration: Migration
    path: str  # as shown in reports: relative to the repository root when possible
    text: MigrationText
    statements: list[Statement]
    directives: FileDirectives
    transaction_mode: TransactionMode
    transaction_ids: list[int | None] = field(default_factory=list)
    unterminated: Statement | None = None
    impacts: list[StatementImpact] = field(default_factory=list)  # filled statement by statement
    lock_timeout_lines: list[int] = field(default_factory=list)  # lines of SET lock_timeout
    changeset: ChangesetContext | None = None
    _by_span: dict[Span, Statement] | None = None

    def statement_spanning(self, span: Span) -> Statement | None:
        if self._by_span is None:  # built once: changeset rules look up many objects' origins
            self._by_span = {statement.span: statement for statement in self.statements}
        return self._by_span.get(span)

    def origin(self, statement: Statement) -> Origin:
        return Origin(self.path, statement.span, self.transaction_ids[statement.index])

    @property
    def has_down(self) -> bool:
        return self.text.down is not None and bool(self.text.down.strip())


@dataclass(slots=True)
class ChangesetContext:
    """The whole changeset, for rules judged on the schema it leaves behind."""

    files: list[FileContext]
    schema: Schema  # after the changeset (during statement rules: the state so far)
    config: Config
    history: list[Migration]  # migrations before the changeset, in order
    repository: Path | None = None  # the repository root, when known
    changed_paths: set[str] = field(default_factory=set)  # every file the change touches
    shadow: ShadowRun | None = None  # what a real server did with the changeset (--shadow)

    def new_tables(self) -> list[Table]:
        return self.schema.new_tables()

    def changed_tables(self) -> list[Table]:
        return self.schema.changed_tables()

    def statements(self) -> Iterator[tuple[FileContext, Statement]]:
        """Every statement of the changeset with its file, in order."""
        for file in self.files:
            for statement in file.statements:
                yield file, statement

    def statement_at(self, origin: Origin | None) -> Statement | None:
        """The changeset statement an object's origin points at (None for history)."""
        if origin is None:
            return None
        for file in self.files:
            if file.path == origin.path:
                return file.statement_spanning(origin.span)
        return None


@dataclass(slots=True)
class StatementContext:
    statement: Statement
    impact: StatementImpact
    file: FileContext
    changeset: ChangesetContext
    _new_columns: list[NewColumn] | None = None

    def new_columns(self) -> list[NewColumn]:
        """The statement's new columns, worked out once for the several rules that read them."""
        if self._new_columns is None:
            self._new_columns = list(new_columns(self.statement))
        return self._new_columns

    @property
    def node(self) -> Node:
        return self.statement.node

    @property
    def schema(self) -> Schema:
        return self.changeset.schema

    @property
    def config(self) -> Config:
        return self.changeset.config

    @property
    def transaction(self) -> int | None:
        return self.file.transaction_ids[self.statement.index]

    @property
    def in_transaction(self) -> bool:
        return self.transaction is not None

    def table(self, name: QName | None) -> Table | None:
        return self.schema.table(name) if name else None

    def is_existing(self, name: QName | None) -> bool:
        """Not created earlier in the changeset (unknown tables are assumed to exist)."""
        if name is None:
            return False
        table = self.schema.table(name)
        return table is None or not table.new

    def display(self, name: QName) -> str:
        schema, relname = self.schema.key(name)
        return f"{schema}.{relname}"


Check = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's public contract: its id never changes once published."""

    id: str
    category: str
    severity: Severity
    summary: str
    rationale: str
    remediation: str
    bad: str
    good: str
    check: Check
    scope: Scope = Scope.STATEMENT
    kinds: frozenset[str] = frozenset()  # statement kinds it looks at; empty: every kind
    config_keys: tuple[str, ...] = ()

    @property
    def docs_path(self) -> str:
        return f"docs/rules/{self.id}.md"


def rule(
    *, id: str, category: str, severity: str, summary: str, rationale: str, remediation: str,
    bad: str, good: str, scope: Scope = Scope.STATEMENT, kinds: Iterable[str] = (),
    config_keys: Iterable[str] = (),
) -> Callable[[Check], Rule]:
    """Decorate a check function to make it a rule: `RULE = rule(...)(check)` or as decorator."""

    def make(check: Check) -> Rule:
        return Rule(id=id, category=category, severity=Severity(severity), summary=summary,
                    rationale=rationale, remediation=remediation, bad=bad.strip(),
                    good=good.strip(), check=check, scope=scope, kinds=frozenset(kinds),
                    config_keys=tuple(config_keys))

    return make
