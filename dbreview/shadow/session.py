"""One review's shadow run: apply the history, then trace the changeset, file by file.

For each changeset the scratch database holds the history, replayed best effort (it has been
deployed already: what fails here is only counted). Reviewed file by file, the database grows
with the files; a changeset whose history is not what the database holds gets a new database.

Each changeset file runs as its runner runs it: statements sharing a transaction are first run
together and rolled back, to find what fails as the deploy would fail; then each statement runs
in a transaction of its own and the locks it holds are read from pg_locks before it commits (a
lock an earlier statement of the same transaction took would otherwise hide that this one needs
it too). The first failure stops the changeset, as it stops a deploy; the rest is applied best
effort so the next changeset finds its history. Down migrations run last, inside a transaction
that is rolled back, and the schema they leave is compared with the schema before the up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg

from dbreview.config import Config
from dbreview.errors import InputError
from dbreview.impact.locks import StatementImpact
from dbreview.impact.transactions import track_transactions
from dbreview.layouts.base import Migration, TransactionMode
from dbreview.review.model import FileReport
from dbreview.rules import registry
from dbreview.rules.base import ChangesetContext, FileContext, StatementContext
from dbreview.shadow.catalog import Relations, Snapshot, differences, schema_snapshot
from dbreview.shadow.facts import replace_predictions
from dbreview.shadow.model import (
    ApplyFailure,
    DownFailure,
    ObservedLock,
    ServerError,
    ShadowRun,
    StatementTrace,
    Unverifiable,
)
from dbreview.shadow.runner import NEEDS_AUTOCOMMIT, TIMED_OUT, Executor, Judge, lost
from dbreview.shadow.server import Limits, ScratchDatabase, connect_admin, temporary_cluster
from dbreview.shadow.shim import DATABASE_SQL, ROLES_SQL, looks_like_supabase
from dbreview.sql.directives import FileDirectives
from dbreview.sql.parse import Statement, parse_statements
from dbreview.sql.preprocess import preprocess
from dbreview.sql.source import Span
from dbreview.workspace import Workspace

DSN_VARIABLE = "DBREVIEW_SHADOW_DSN"
# The migration's own timeouts would undo the sandbox's: the shadow keeps its limits.
_SANDBOX_SETTINGS = frozenset({"statement_timeout", "idle_in_transaction_session_timeout"})
_NEVER_RUN = "never run: flagged by dangerous-statement, dbreview does not execute it"
_CLIENT_COPY = "COPY … STDIN/STDOUT moves data through a client the shadow does not have"
_CONCURRENTLY = re.compile(r"\bconcurrently\b", re.IGNORECASE)


@contextmanager
def open_session(dsn: str, config: Config, limits: Limits) -> Iterator[ShadowSession]:
    """`dsn` empty: DBREVIEW_SHADOW_DSN's server, else a temporary cluster."""
    dsn = dsn or os.environ.get(DSN_VARIABLE, "")
    server = nullcontext(dsn) if dsn else temporary_cluster(config.pg_version)
    with server as admin_dsn:
        session = ShadowSession(admin_dsn, config, limits)
        try:
            yield session
        finally:
            session.close()


@dataclass(slots=True)
class _Segment:
    """Statements the runner sends in one transaction, or one statement it autocommits."""

    statements: list[Statement]
    transaction: int | None

    @property
    def transactional(self) -> bool:
        return self.transaction is not None


def _segments(statements: list[Statement], transaction_ids: list[int | None]) -> list[_Segment]:
    segments: list[_Segment] = []
    for statement, transaction in zip(statements, transaction_ids, strict=True):
        if not statement.kind:
            continue
        if transaction is not None and segments and segments[-1].transaction == transaction:
            segments[-1].statements.append(statement)
        else:
            segments.append(_Segment([statement], transaction))
    return segments


class ShadowSession:
    def __init__(self, admin_dsn: str, config: Config, limits: Limits) -> None:
        self.admin = connect_admin(admin_dsn)
        self.dsn = admin_dsn
        self.limits = limits
        version = self.admin.info.server_version
        self.server_version = f"{version // 10000}.{version % 10000}"
        self.database: ScratchDatabase | None = None
        self.executor: Executor | None = None
        self.judge = Judge(version // 10000, config.pg_version)
        self.applied: list[Path] = []  # the migrations the database holds, in order
        self.shim = False
        self.runs: list[ShadowRun] = []
        self._guard = registry().by_id["dangerous-statement"]

    def close(self) -> None:
        try:
            self._drop_database()
        finally:
            self.admin.close()

    def summary(self) -> str:
        """One line for the terminal: what was traced, the slowest statement, what was not."""
        traces = [trace for run in self.runs for trace in run.traces]
        skipped = [note for run in self.runs for note in run.unverifiable]
        text = f"shadow: PostgreSQL {self.server_version}, {len(traces)} statements traced"
        if traces:
            slowest = max(traces, key=lambda trace: trace.seconds)
            text += (f" in {sum(trace.seconds for trace in traces):.1f} s (slowest: "
                     f"{slowest.path}:{slowest.statement.span.line}, {slowest.seconds:.2f} s)")
        if skipped:
            first = skipped[0]
            text += (f"; {len(skipped)} not verifiable here (first: {first.path}:{first.line}: "
                     f"{first.reason})")
        return text

    # -- one changeset ---------------------------------------------------------------------

    def observe(self, context: ChangesetContext, reports: list[FileReport]) -> None:
        """Apply the changeset after its history; attach what happened to `context` and let
        the observed locks replace the predicted ones in `reports`."""
        run = ShadowRun(self.server_version, statement_timeout=self.limits.statement_timeout)
        self.runs.append(run)
        context.shadow = run
        try:
            self._observe(context, run)
        except psycopg.OperationalError as error:  # the catalog queries meet a dead server
            raise lost(error) from None
        replace_predictions(reports, context.files, run)

    def _observe(self, context: ChangesetContext, run: ShadowRun) -> None:
        self._prepare(context, run)
        relations = Relations(self._executor.connection)
        files = context.files
        round_trip = _trailing_with_down(files)
        snapshots: list[Snapshot] = []
        for index, file in enumerate(files):
            if index >= len(files) - len(round_trip):
                snapshots.append(schema_snapshot(self._executor.connection))
            unapplied = self._trace_file(file, run, relations)
            if unapplied is not None:
                self._apply(file, unapplied, run)
                for later in files[index + 1:]:
                    self._apply(later, later.statements, run)
                break
        else:
            self._round_trip(round_trip, snapshots, run)
        self.applied = [m.path for m in context.history] + [f.migration.path for f in files]

    @property
    def _executor(self) -> Executor:
        assert self.executor is not None, "observe() prepares the database first"
        return self.executor

    def _prepare(self, context: ChangesetContext, run: ShadowRun) -> None:
        history = context.history
        reuse = (self.database is not None
                 and [m.path for m in history[:len(self.applied)]] == self.applied)
        pending = [self._history_file(m, context)
                   for m in (history[len(self.applied):] if reuse else history)]
        wants_shim = self.shim or looks_like_supabase(
            [m.path for m in history] + [f.migration.path for f in context.files],
            [f.text.up for f in [*pending, *context.files]])
        if not reuse or wants_shim != self.shim:
            if reuse:  # the shim is needed now: start over with it
                pending = [self._history_file(m, context) for m in history]
            self._new_database(wants_shim)
        for file in pending:
            self._apply(file, file.statements, run)

    def _new_database(self, shim: bool) -> None:
        self._drop_database()
        self.database = ScratchDatabase(self.admin, self.dsn, self.limits)
        self.executor = Executor(self.database.connection, self.limits.statement_timeout)
        self.judge = Judge(self.judge.server_major, self.judge.production_major)
        self.applied = []
        self.shim = shim
        if shim:
            with self.admin.transaction():
                self.admin.execute(ROLES_SQL)
            error = self.executor.run(DATABASE_SQL)
            if error is not None:
                raise InputError(f"the Supabase shim does not apply on the shadow server "
                                 f"({error.message}); install pgcrypto and uuid-ossp there")

    def _drop_database(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None
        if self.database is not None:
            database, self.database = self.database, None
            database.close()

    def _history_file(self, migration: Migration, context: ChangesetContext) -> FileContext:
        """A history migration as the shadow replays it: one transaction per file."""
        text = migration.read()
        statements = parse_statements(preprocess(text.up))
        mode = TransactionMode.WRAPPED
        return FileContext(
            migration=migration, path=Workspace(root=context.repository).display(migration.path),
            text=text, statements=statements, directives=FileDirectives(), transaction_mode=mode,
            transaction_ids=track_transactions(statements, mode).ids, changeset=context)

    # -- running statements ------------------------------------------------------------------

    def _runnable(self, file: FileContext, statements: list[Statement],
                  run: ShadowRun | None) -> list[Statement]:
        """The statements the shadow sends; those it never sends are noted when `run` is given
        (and suspected either way)."""
        kept = []
        for statement in statements:
            if not statement.kind or _managed_by_shadow(statement):
                continue
            reason = self._refusal(file, statement)
            if reason is None:
                kept.append(statement)
                continue
            self.judge.suspect(statement)
            if run is not None:
                run.unverifiable.append(Unverifiable(file.path, statement.span.line, reason))
        return kept

    def _refusal(self, file: FileContext, statement: Statement) -> str | None:
        assert file.changeset is not None, "the shadow builds every file with its changeset"
        context = StatementContext(statement, StatementImpact(), file, file.changeset)
        if any(True for _ in self._guard.check(context)):
            return _NEVER_RUN
        node = statement.node
        if statement.kind == "CopyStmt" and not node.get("filename") and not node.get(
                "is_program"):
            return _CLIENT_COPY
        return None

    def _apply(self, file: FileContext, statements: list[Statement], run: ShadowRun) -> None:
        """Best effort, as history: what runs, runs; what fails is counted and suspected."""
        executor = self._executor
        executor.control("BEGIN")
        for statement in self._runnable(file, statements, None):
            error = executor.attempt(statement.text)
            if error is not None and error.sqlstate in NEEDS_AUTOCOMMIT:
                executor.control("COMMIT")
                error = executor.run(statement.text)
                executor.control("BEGIN")
            if error is not None:
                run.history_failures += 1
                self.judge.suspect(statement)
        if executor.run("COMMIT") is not None:
            run.history_failures += 1

    def _trace_file(self, file: FileContext, run: ShadowRun,
                    relations: Relations) -> list[Statement] | None:
        """Run one changeset file; None when it applied, else the statements left to apply."""
        unparsed = next((s for s in file.statements if s.error is not None), None)
        if unparsed is not None:
            run.unverifiable.append(Unverifiable(
                file.path, unparsed.span.line, "not run: the file does not parse (parse-error)"))
            return file.statements
        for segment in _segments(file.statements, file.transaction_ids):
            statements = self._runnable(file, segment.statements, run)
            if segment.transactional and len(statements) > 1:
                statements, failure = self._check(file, statements, run)
                if failure is not None:
                    run.apply_failures.append(failure)
                    return file.statements[segment.statements[0].index:]
            for position, statement in enumerate(statements):
                traced = self._executor.trace(statement, relations,
                                              autocommit=not segment.transactional)
                if traced.error is None:
                    if traced.locks is not None:
                        run.traces.append(StatementTrace(file.path, statement,
                                                         _as_observed(statement, traced.locks),
                                                         traced.seconds))
                    continue
                if self._unverifiable(file, statement, traced.error, run):
                    continue
                if len(statements) > 1 and segment.transactional:
                    # It applied with its transaction, not alone (SET LOCAL, say): apply the
                    # rest of the transaction together, untraced.
                    run.unverifiable.append(Unverifiable(
                        file.path, statement.span.line,
                        f"applies only with the rest of its transaction ({traced.error.message}); "
                        "the rest of it ran untraced"))
                    self._apply(file, statements[position:], run)
                    relations.refresh()
                    break
                run.apply_failures.append(_failure(file, statement, traced.error))
                return file.statements[statement.index + 1:]
        return None

    def _check(self, file: FileContext, statements: list[Statement], run: ShadowRun
               ) -> tuple[list[Statement], ApplyFailure | None]:
        """Run the statements of one transaction together, as the deploy will, then roll back.
        Returns those that can run and the failure that would stop the deploy."""
        executor = self._executor
        executor.control("BEGIN")
        kept = []
        for statement in statements:
            error = executor.attempt(statement.text)
            if error is None:
                kept.append(statement)
            elif not self._unverifiable(file, statement, error, run):
                executor.control("ROLLBACK")
                return kept, _failure(file, statement, error)
        executor.control("ROLLBACK")
        return kept, None

    def _unverifiable(self, file: FileContext, statement: Statement, error: ServerError,
                      run: ShadowRun) -> bool:
        reason = self.judge.unverifiable(statement, error)
        if reason is not None:
            run.unverifiable.append(Unverifiable(file.path, statement.span.line,
                                                 f"not verifiable here: {reason}"))
        return reason is not None

    # -- down migrations ---------------------------------------------------------------------

    def _round_trip(self, files: list[FileContext], snapshots: list[Snapshot],
                    run: ShadowRun) -> None:
        """Run the down migrations, last file first, each compared with the schema before its
        up; all inside one transaction that is rolled back."""
        if not files:
            return
        executor = self._executor
        executor.control("BEGIN")
        try:
            for file, before in zip(reversed(files), reversed(snapshots), strict=True):
                failure = self._run_down(file, run) or self._compare(file, before)
                if failure is not None:
                    run.down_failures.append(failure)
                    return
        finally:
            executor.control("ROLLBACK")

    def _run_down(self, file: FileContext, run: ShadowRun) -> DownFailure | None:
        statements = _down_statements(file)
        for statement in statements:
            if statement.error is not None:
                return _down_failure(file, statement, ServerError("42601", statement.error))
        ids = track_transactions(statements, file.transaction_mode).ids
        for segment in _segments(statements, ids):
            for statement in self._runnable(file, segment.statements, run):
                error = self._executor.attempt(statement.text)
                if error is not None and not segment.transactional:
                    error = self._inside_round_trip(statement, error)
                if error is not None and not self._unverifiable(file, statement, error, run):
                    return _down_failure(file, statement, error)
        return None

    def _inside_round_trip(self, statement: Statement, error: ServerError
                           ) -> ServerError | None:
        """An autocommitted down statement meets the round trip's transaction: the same
        statement without CONCURRENTLY leaves the same schema. None when that ran (or when
        nothing can run it here, which says nothing about the migration)."""
        if error.sqlstate not in NEEDS_AUTOCOMMIT:
            return error
        plain = _CONCURRENTLY.sub("", statement.text, count=1)
        if plain != statement.text:
            self._executor.attempt(plain)
        return None

    def _compare(self, file: FileContext, before: Snapshot) -> DownFailure | None:
        changed = differences(before, schema_snapshot(self._executor.connection))
        if not changed:
            return None
        label, at = _down_location(file, _down_statements(file))
        return DownFailure(file.path, at, label, differences=tuple(changed))


def _managed_by_shadow(statement: Statement) -> bool:
    """Transaction control is the shadow's (it runs each file as the runner would), and so are
    the timeouts that keep a statement from running forever."""
    return statement.kind == "TransactionStmt" or (
        statement.kind == "VariableSetStmt" and statement.node.get("name") in _SANDBOX_SETTINGS)


def _failure(file: FileContext, statement: Statement, error: ServerError) -> ApplyFailure:
    return ApplyFailure(file.path, statement, error, timed_out=error.sqlstate == TIMED_OUT)


def _as_observed(statement: Statement, locks: list[ObservedLock]) -> list[ObservedLock]:
    if statement.kind != "TruncateStmt":
        return locks
    # TRUNCATE gives the table a new, empty file: no row is written again.
    return [replace(lock, rewrite=False) for lock in locks]


def _trailing_with_down(files: list[FileContext]) -> list[FileContext]:
    """The files whose down migrations can be tried: rolling back stops at one without."""
    trailing: list[FileContext] = []
    for file in reversed(files):
        if not file.has_down:
            break
        trailing.insert(0, file)
    return trailing


def _down_statements(file: FileContext) -> list[Statement]:
    assert file.text.down is not None
    return parse_statements(preprocess(file.text.down))


def _down_location(file: FileContext, statements: list[Statement]) -> tuple[str, Span]:
    """How to name the down migration, and where its findings point in the up file."""
    migration = file.migration
    if migration.down_path is not None:
        return migration.down_path.name, Span(1, 1, 1, 1)
    first = next((statement.span for statement in statements if statement.kind), None)
    return f"the down section of {migration.label}", first or Span(1, 1, 1, 1)


def _down_failure(file: FileContext, statement: Statement, error: ServerError) -> DownFailure:
    label, at = _down_location(file, [statement])
    if file.migration.down_path is None:
        at = statement.span
    return DownFailure(file.path, at, label, error, error.line_in(statement))
