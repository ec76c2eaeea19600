"""The analysis: migrations → statements → schema and lock facts → findings → review.

History migrations are parsed and replayed; changeset migrations are also judged, statement by
statement against the schema as it stands before each statement, then file by file, then as a
whole on the schema the changeset leaves behind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dbreview.config import Config
from dbreview.impact.locks import StatementImpact, statement_impact
from dbreview.impact.transactions import track_transactions
from dbreview.layouts.base import Migration, TransactionMode
from dbreview.layouts.discover import MigrationSet
from dbreview.review.activity import activity_log
from dbreview.review.changes import describe as describe_changes
from dbreview.review.impact import RawHit, assess_file, statement_facts, summarize_impact
from dbreview.review.model import (
    Change,
    FileReport,
    Finding,
    Review,
    StatementFacts,
    Suppressed,
)
from dbreview.review.schema_changes import TableSnapshot, changed_tables, snapshot
from dbreview.review.why import header_comment
from dbreview.rules import Registry, Rule, Scope, registry
from dbreview.rules.base import ChangesetContext, FileContext, Hit, StatementContext
from dbreview.schema.model import Key, Origin, Schema
from dbreview.schema.replay import replay
from dbreview.secrets import mask_secrets
from dbreview.sql.directives import apply_directives
from dbreview.sql.parse import Statement, parse_statements
from dbreview.sql.preprocess import preprocess
from dbreview.sql.source import Span
from dbreview.workspace import Workspace

if TYPE_CHECKING:
    from dbreview.shadow.session import ShadowSession


@dataclass(slots=True)
class Analyzer:
    config: Config
    workspace: Workspace = field(default_factory=Workspace)
    rules: Registry = field(default_factory=registry)
    shadow: ShadowSession | None = None  # with --shadow: applies each changeset for real
    # whether a big file's statements may be judged on two processes (dbreview.fanout)
    split_statements: bool = False

    def review_each(
        self, migration_set: MigrationSet, selected: Iterable[Migration], *,
        elsewhere: Collection[Path] = (),
    ) -> Iterator[Changeset]:
        """Review each selected migration on its own, with every earlier one as history; one at
        a time, so a caller that keeps only what it needs lets each file's parse trees go.
        Migrations in `elsewhere` are reviewed by another process (dbreview.fanout): here they
        only move the schema on, as their review would."""
        # By path, not identity: a file named on the command line is loaded on its own.
        chosen = {migration.path for migration in selected}
        schema = Schema()
        history: list[Migration] = []
        before: dict[Key, TableSnapshot] = {}  # each table as it was before any reviewed file
        remaining = len(chosen)
        for migration in migration_set.migrations:
            if remaining == 0:
                break
            if migration.path in chosen:
                yield self.review_changeset(schema, [migration], history, before)
                schema.mark_history()
                remaining -= 1
            elif migration.path in elsewhere:
                self.replay_reviewed(schema, migration, before)
                schema.mark_history()
            else:
                self.replay_history(schema, migration)
            history.append(migration)

    def review_together(
        self, migration_set: MigrationSet, selected: Iterable[Migration]
    ) -> Changeset:
        """Review the selected migrations as one changeset; all the others are history."""
        chosen = {migration.path for migration in selected}
        schema = Schema()
        history = [m for m in migration_set.migrations if m.path not in chosen]
        for migration in history:
            self.replay_history(schema, migration)
        changeset = [m for m in migration_set.migrations if m.path in chosen]
        return self.review_changeset(schema, changeset, history)

    def review_repository(self) -> Changeset:
        """A change that touches no migration: the repository-level rules still judge the
        files it changes (a dump it adds)."""
        return self.review_changeset(Schema(), [], [])

    def replay_history(self, schema: Schema, migration: Migration) -> None:
        text = migration.read()
        path = self.workspace.display(migration.path)
        for statement in parse_statements(preprocess(text.up)):
            if statement.kind:
                replay(schema, statement, Origin(path, statement.span), in_changeset=False)

    def replay_reviewed(self, schema: Schema, migration: Migration,
                        before: dict[Key, TableSnapshot]) -> None:
        """Replay a migration that is reviewed elsewhere exactly as its review replays it:
        as a changeset (new objects, transaction-aware origins), keeping the tables it locks
        as they were before."""
        file, _ = self.load_file(migration)
        for statement in file.statements:
            if statement.kind:
                _remember_locked(statement_impact(statement, schema), schema, before)
                replay(schema, statement, file.origin(statement), in_changeset=True)

    def load_file(self, migration: Migration) -> tuple[FileContext, str]:
        """A migration read, parsed, and its directives and transactions worked out; with the
        up text that was parsed."""
        text = migration.read()
        up = preprocess(text.up)
        statements = parse_statements(up)
        directives = apply_directives(up, statements)
        mode = _transaction_mode(text.transaction, directives.no_transaction, self.config)
        transactions = track_transactions(statements, mode)
        file = FileContext(migration=migration, path=self.workspace.display(migration.path),
                           text=text, statements=statements, directives=directives,
                           transaction_mode=mode, transaction_ids=transactions.ids,
                           unterminated=transactions.unterminated)
        return file, up

    def review_changeset(
        self, schema: Schema, migrations: list[Migration], history: list[Migration],
        before: dict[Key, TableSnapshot] | None = None,
    ) -> Changeset:
        context = ChangesetContext(files=[], schema=schema, config=self.config, history=history,
                                   repository=self.workspace.root,
                                   changed_paths=self.workspace.changed_paths)
        run = Changeset(context, self, {} if before is None else before)
        for migration in migrations:
            run.review_file(migration)
        if self.shadow is not None:
            self.shadow.observe(context, run.files_reports)
        run.finish()
        return run


@dataclass(frozen=True, slots=True)
class Judged:
    """A rule hit as the review keeps it: every hit counts for its file's risk (`raw`); one
    the configuration leaves on is a finding, or listed as suppressed (`kept`)."""

    path: str
    raw: RawHit
    kept: Finding | Suppressed | None


@dataclass(slots=True)
class StatementsReviewed:
    """What judging a run of a file's statements adds to the review, in statement order."""

    facts: list[StatementFacts] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)


class Changeset:
    """One changeset under review: turns rule hits into findings and suppressions."""

    def __init__(self, context: ChangesetContext, analyzer: Analyzer,
                 before: dict[Key, TableSnapshot]) -> None:
        self.context = context
        self.analyzer = analyzer
        self.files_reports: list[FileReport] = []
        self.reports_by_path: dict[str, FileReport] = {}
        self.statement_at: dict[tuple[str, int], Statement] = {}
        # every hit by file, before config and suppression
        self.raw_hits: dict[str, list[RawHit]] = {}
        # existing tables as they were before the changeset (or the first reviewed file) first
        # locked them, shared by the changesets of one schema; and those this one locked
        self.before = before
        self.locked: set[Key] = set()
        # the findings and facts of this changeset, its tables named but not yet described:
        # `combine` completes the drafts of all changesets of a request together
        self.draft: Review | None = None
        self._review: Review | None = None

    def review_file(self, migration: Migration) -> None:
        file, up = self.analyzer.load_file(migration)
        file.changeset = self.context
        path, statements = file.path, file.statements
        report = FileReport(path=path, version=migration.version, migration=migration,
                            statements=len(statements), why=header_comment(up, statements))
        self.context.files.append(file)
        self.files_reports.append(report)
        self.reports_by_path[path] = report
        if self.analyzer.split_statements:
            # imported here: the fan-out builds on this module
            from dbreview.fanout import review_statements

            review_statements(self, file, report)
        else:
            self.keep(report, self.review_statements(file, statements))
        for rule in self.analyzer.rules.of_scope(Scope.FILE):
            self.keep_all(self._judge(rule, hit, file, None) for hit in rule.check(file))

    def review_statements(self, file: FileContext, statements: Sequence[Statement], *,
                          judge: bool = True, describe: bool = True) -> StatementsReviewed:
        """Go through consecutive statements of a file, moving the schema on: judge each with
        the rules on the schema as it stands before it, and describe it (its facts, its
        changes); what they add to the review is returned, for `keep`. Another process may
        judge them (dbreview.fanout): the schema, the locked tables and the file's lock facts
        come out the same either way."""
        reviewed = StatementsReviewed()
        for statement in statements:
            self.statement_at[(file.path, statement.span.line)] = statement
            impact = self._advance_before(file, statement)
            if judge:
                context = StatementContext(statement, impact, file, self.context)
                for rule in self.analyzer.rules.for_statement(statement.kind):
                    for hit in rule.check(context):
                        reviewed.judged.append(self._judge(rule, hit, file, statement))
            if describe:
                reviewed.facts.append(statement_facts(file.path, statement, impact))
                reviewed.changes.extend(describe_changes(statement, self.context.schema))
            self._advance(file, statement)
        return reviewed

    def _advance_before(self, file: FileContext, statement: Statement) -> StatementImpact:
        """A statement's locks, noted before it is judged (its tables as they were)."""
        schema = self.context.schema
        impact = statement_impact(statement, schema) if statement.kind else StatementImpact()
        file.impacts.append(impact)
        self.locked.update(_remember_locked(impact, schema, self.before))
        return impact

    def _advance(self, file: FileContext, statement: Statement) -> None:
        """After a statement is judged: its lock_timeout noted, the schema replayed past it."""
        if statement.kind == "VariableSetStmt" and statement.node.get("name") == "lock_timeout":
            file.lock_timeout_lines.append(statement.span.line)
        if statement.kind:
            replay(self.context.schema, statement, file.origin(statement), in_changeset=True)

    def finish(self) -> None:
        for rule in self.analyzer.rules.of_scope(Scope.CHANGESET):
            self.keep_all(self._judge(rule, hit, None, None) for hit in rule.check(self.context))
        schema, config = self.context.schema, self.analyzer.config
        for report in self.files_reports:
            assess_file(report, self.raw_hits.get(report.path, []))
        tables = changed_tables(schema, self.locked)
        self.raw_hits.clear()  # a review of many files keeps every changeset: free it
        self.draft = Review(files=self.files_reports, impact=summarize_impact(
            self.files_reports, tables), fail_on=config.fail_on,
            activity_log=activity_log(schema, config))

    def release_sources(self) -> None:
        """Let the files' statements and parse trees go once the draft is taken. Each file's
        context and the changeset's refer to each other: without this, only the cyclic
        collector frees them, and it walks everything the review keeps, file after file (a
        2,000-file folder spent 0.8 s in it; 0.13 s with this)."""
        self.context.files.clear()

    @property
    def review(self) -> Review | None:
        """The complete review of this changeset alone (None until it is finished)."""
        if self._review is None and self.draft is not None:
            # imported here: the explanations it adds reach back to the engine (schema.load)
            from dbreview.review.build import Reviewed, combine

            self._review = combine([Reviewed(self.draft, self.context.schema, self.before)],
                                   self.analyzer.config)
        return self._review

    def _judge(self, rule: Rule, hit: Hit, file: FileContext | None,
               statement: Statement | None) -> Judged:
        """A rule's hit as the review keeps it, configuration and suppressions applied."""
        path, span, target = self._locate(hit, file, statement)
        message = mask_secrets(hit.message)
        raw = RawHit(rule.category, message, span.line)
        severity = self.context.config.rules.get(rule.id, rule.severity.value)
        if severity == "off":
            return Judged(path, raw, None)
        reason = self._suppression(rule.id, path, target)
        if reason is not None:
            return Judged(path, raw, Suppressed(rule=rule.id, path=path, line=span.line,
                                                reason=reason))
        return Judged(path, raw, Finding(
            rule=rule.id, severity=severity, category=rule.category,
            message=message,
            remediation=hit.remediation or rule.remediation, path=path, line=span.line,
            column=span.column, end_line=span.end_line, end_column=span.end_column,
            table=hit.table,
            suggested_sql=hit.suggested_sql and mask_secrets(hit.suggested_sql),
        ))

    def keep(self, report: FileReport, reviewed: StatementsReviewed) -> None:
        """Add what judging a file's statements found to the review, in statement order."""
        report.facts.extend(reviewed.facts)
        report.changes.extend(reviewed.changes)
        self.keep_all(reviewed.judged)

    def keep_all(self, judged: Iterable[Judged]) -> None:
        for item in judged:
            self.raw_hits.setdefault(item.path, []).append(item.raw)
            if item.kept is None:
                continue
            report = self.reports_by_path.get(item.path) or self._repository_file(item.path)
            if report is None:
                continue
            if isinstance(item.kept, Suppressed):
                report.suppressed.append(item.kept)
            else:
                report.findings.append(item.kept)

    def _repository_file(self, path: str) -> FileReport | None:
        """A report for a changed file that is no migration (a dump the change adds), so a
        finding about it is shown on it."""
        if path not in self.context.changed_paths:
            return None
        report = FileReport(path=path, version=None, repository_file=True)
        self.files_reports.append(report)
        self.reports_by_path[path] = report
        return report

    def _locate(self, hit: Hit, file: FileContext | None,
                statement: Statement | None) -> tuple[str, Span, Statement | None]:
        if hit.at is not None:
            target = self.statement_at.get((hit.at.path, hit.at.span.line))
            return hit.at.path, hit.at.span, target
        if statement is not None and file is not None:
            return file.path, statement.span, statement
        if file is not None:
            return file.path, Span(1, 1, 1, 1), None
        return (self.files_reports[0].path if self.files_reports else ""), Span(1, 1, 1, 1), None

    def _suppression(self, rule_id: str, path: str, statement: Statement | None) -> str | None:
        if statement is not None and rule_id in statement.ignores:
            return statement.ignores[rule_id]
        for file in self.context.files:
            if file.path == path and rule_id in file.directives.ignore_file:
                return file.directives.ignore_file[rule_id]
        return None


def _remember_locked(impact: StatementImpact, schema: Schema,
                     before: dict[Key, TableSnapshot]) -> list[Key]:
    """The existing tables a statement locks; `before` keeps each as it was when first locked."""
    tables = [lock.table for lock in impact.locks if lock.known and not lock.new]
    for table in tables:
        if table not in before:
            before[table] = snapshot(schema.tables[table])
    return tables


def _transaction_mode(
    marker: TransactionMode | None, no_transaction: bool, config: Config
) -> TransactionMode:
    """The file's own marker, else its layout's, else the configured default."""
    if no_transaction:
        return TransactionMode.NONE
    if marker is not None:
        return marker
    return TransactionMode.WRAPPED if config.assume_transaction else TransactionMode.NONE
