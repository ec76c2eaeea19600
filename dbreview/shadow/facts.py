"""Observed locks and rewrites take the place of the predicted ones in the impact facts.

Only the lock and the rewrite are measured; whether a statement reads every row stays the
static model's call (an empty scratch table cannot tell what production's planner would do),
except that a rewrite reads every row by definition.
"""

from __future__ import annotations

from dbreview.impact.locks import StatementImpact, TableLock
from dbreview.review.impact import statement_facts
from dbreview.review.model import FileReport, StatementFacts
from dbreview.rules.base import FileContext
from dbreview.shadow.model import ShadowRun, StatementTrace


def replace_predictions(reports: list[FileReport], files: list[FileContext],
                        run: ShadowRun) -> None:
    files_by_path = {file.path: file for file in files}
    for report in reports:
        position = {facts.line: index for index, facts in enumerate(report.facts)}
        for trace in run.traces:
            if trace.path == report.path:
                observed = _observed_facts(files_by_path[report.path], trace)
                report.facts[position[trace.statement.span.line]] = observed


def _observed_facts(file: FileContext, trace: StatementTrace) -> StatementFacts:
    predicted = {lock.table: lock for lock in file.impacts[trace.statement.index].locks}
    impact = StatementImpact([
        TableLock(lock.table, lock.mode, rewrite=lock.rewrite, new=lock.new,
                  scan=lock.rewrite or (lock.table in predicted and predicted[lock.table].scan))
        for lock in trace.locks
    ])
    facts = statement_facts(trace.path, trace.statement, impact)
    facts.observed = True
    return facts
