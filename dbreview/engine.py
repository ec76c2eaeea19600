"""The analysis: migrations → statements → schema and lock facts → findings → review.

History migrations are parsed and replayed; changeset migrations are also judged, statement by
statement against the schema as it stands before each statement, then file by file, then as a
whole on the schema the changeset leaves behind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dbreview.config import Config
from dbreview.impact.locks import StatementImpact, statement_impact
from dbreview.impact.transactions import track_transactions
from dbreview.layouts.base import Migration, TransactionMode
from dbreview.layouts.discover import MigrationSet
from dbreview.review.activity import activity_log
from dbreview.review.changes import describe
from dbreview.review.impact import RawHit, assess_file, statement_facts, summarize_impact
from dbreview.review.model import FileReport, Finding, Review, Suppressed
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
        for statement in statements:
            self.statement_at[(path, statement.span.line)] = statement
            self._review_statement(file, report, statement)
        for rule in self.analyzer.rules.of_scope(Scope.FILE):
            self._record(rule, rule.check(file), file, None)

    def _review_statement(
        self, file: FileContext, report: FileReport, statement: Statement
    ) -> None:
        schema = self.context.schema
        impact = statement_impact(statement, schema) if statement.kind else StatementImpact()
        file.impacts.append(impact)
        context = StatementContext(statement, impact, file, self.context)
        for rule in self.analyzer.rules.for_statement(statement.kind):
            self._record(rule, rule.check(context), file, statement)
        report.facts.append(statement_facts(file.path, statement, impact))
        report.changes.extend(describe(statement, schema))
        self.locked.update(_remember_locked(impact, schema, self.before))
        if statement.kind == "VariableSetStmt" and statement.node.get("name") == "lock_timeout":
            file.lock_timeout_lines.append(statement.span.line)
        if statement.kind:
            replay(schema, statement, file.origin(statement), in_changeset=True)

    def finish(self) -> None:
        for rule in self.analyzer.rules.of_scope(Scope.CHANGESET):
            self._record(rule, rule.check(self.context), None, None)
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

    def _record(self, rule: Rule, hits: Iterable[Hit], file: FileContext | None,
                statement: Statement | None) -> None:
        config = self.context.config
        for hit in hits:
            path, span, target = self._locate(hit, file, statement)
            message = mask_secrets(hit.message)
            self.raw_hits.setdefault(path, []).append(RawHit(rule.category, message, span.line))
            severity = config.rules.get(rule.id, rule.severity.value)
            if severity == "off":
                continue
            report = self.reports_by_path.get(path) or self._repository_file(path)
            if report is None:
                continue
            reason = self._suppression(rule.id, path, target)
            if reason is not None:
                report.suppressed.append(Suppressed(rule=rule.id, path=path, line=span.line,
                                                    reason=reason))
                continue
            report.findings.append(Finding(
                rule=rule.id, severity=severity, category=rule.category,
                message=message,
                remediation=hit.remediation or rule.remediation, path=path, line=span.line,
                column=span.column, end_line=span.end_line, end_column=span.end_column,
                table=hit.table,
                suggested_sql=hit.suggested_sql and mask_secrets(hit.suggested_sql),
            ))

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
