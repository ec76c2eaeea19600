"""The review of a whole request: the changesets' reviews combined, the safety checklist, and
the explanations, relationship maps and documentation stubs of the tables they change.

Explanations and stubs cover the first `EXPLAINED_TABLES` changed tables (a comment could not
show more; `dbreview explain` and `dbreview docs` cover them all), so a review of thousands of
new tables stays as fast as one of a few.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from dbreview.config import Config
from dbreview.explain import explain_table, relationship_map
from dbreview.explain.facts import MAPPED_KINDS
from dbreview.explain.tables import TableExplanation
from dbreview.review.impact import merge_tables, summarize_impact
from dbreview.review.model import (
    Accepted,
    ActivityLog,
    DocStub,
    Explanation,
    FileReport,
    Finding,
    GlossaryEntry,
    RelationshipMap,
    Review,
    StatementFacts,
    Suppressed,
    TableChange,
)
from dbreview.review.safety import safety_checklist
from dbreview.review.schema_changes import TableSnapshot, describe_table
from dbreview.schema.model import Key, Schema
from dbreview.schema_docs import table_doc_path, table_stub

EXPLAINED_TABLES = 10
DOCS_RULE = "docs-missing"


@dataclass(frozen=True, slots=True)
class Reviewed:
    """One changeset's review, the schema it left behind, and the tables it changed as they
    were before (shared by the changesets of one schema)."""

    review: Review
    schema: Schema
    before: dict[Key, TableSnapshot]


def combine(parts: Sequence[Reviewed], config: Config, *, root: Path | None = None,
            pr_title: str | None = None, pr_body: str | None = None) -> Review:
    """One review of every changeset; `root` is the repository's, to name the config file
    relative to it. Changed tables are described here, once each, as the last changeset that
    touched them left them (file by file, a table altered by a hundred files is described
    once, not a hundred times)."""
    files = [report for part in parts for report in part.review.files]
    tables = _described_tables(parts, config)
    explainable = _all_explainable(parts)
    explained = explainable[:EXPLAINED_TABLES]
    explanations = [explain_table(schema, key, config) for schema, key in explained]
    missing_docs = {finding.table for finding in (f for report in files for f in report.findings)
                    if finding.rule == DOCS_RULE and finding.table}
    return Review(
        files=files, impact=summarize_impact(files, tables), fail_on=config.fail_on,
        config_file=_config_file(config, root),
        pr_title=pr_title or None, pr_body=pr_body or None,
        safety=safety_checklist(files, tables),
        activity_log=_merged_activity_logs(part.review.activity_log for part in parts),
        explanations=[_explanation(explanation) for explanation in explanations],
        explanations_omitted=len(explainable) - len(explained),
        relationship_maps=_relationship_maps(explained),
        doc_stubs=[DocStub(table=_display(key), path=table_doc_path(schema.tables[key], config),
                           content=table_stub(schema, key, config, explanation))
                   for (schema, key), explanation in zip(explained, explanations, strict=True)
                   if _display(key) in missing_docs],
    )


def _config_file(config: Config, root: Path | None) -> str | None:
    if config.source == "defaults":
        return None
    path = Path(config.source)
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return config.source


def _display(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def _described_tables(parts: Sequence[Reviewed], config: Config) -> list[TableChange]:
    last = {table.name: part for part in parts for table in part.review.impact.tables}
    return [describe_table(last[table.name].schema, table,
                           last[table.name].before.get(table.key) if table.key else None, config)
            for table in merge_tables(table for part in parts
                                      for table in part.review.impact.tables)]


def _all_explainable(parts: Sequence[Reviewed]) -> list[tuple[Schema, Key]]:
    """Created or altered tables (not views) that the final schema still holds, once each."""
    seen: set[tuple[int, Key]] = set()
    found = []
    for part in parts:
        schema = part.schema
        for table in part.review.impact.tables:
            key = table.key
            if table.change == "dropped" or key is None or (id(schema), key) in seen:
                continue
            current = schema.tables.get(key)
            if current is not None and current.kind in MAPPED_KINDS:
                seen.add((id(schema), key))
                found.append((schema, key))
    return found


def _explanation(explained: TableExplanation) -> Explanation:
    """The review's copy of a table's explanation (credentials already masked)."""
    return Explanation(
        table=explained.table, paragraph=explained.paragraph,
        glossary=[GlossaryEntry(term=entry.term, meaning=entry.meaning)
                  for entry in explained.glossary],
        example_query=explained.example_query,
    )


def _relationship_maps(explained: list[tuple[Schema, Key]]) -> list[RelationshipMap]:
    """One map per migration set (each has its own schema), in the order they came."""
    by_schema: dict[int, tuple[Schema, list[Key]]] = {}
    for schema, key in explained:
        by_schema.setdefault(id(schema), (schema, []))[1].append(key)
    maps = []
    for schema, keys in by_schema.values():
        drawn = relationship_map(schema, keys)
        maps.append(RelationshipMap(tables=[_display(key) for key in keys],
                                    mermaid=drawn.mermaid(), text=drawn.text()))
    return maps


def _merged_activity_logs(logs: Iterable[ActivityLog | None]) -> ActivityLog | None:
    """File by file, each file may change the log: their changes together, the last state."""
    present = [log for log in logs if log is not None]
    if len(present) <= 1:
        return present[0] if present else None
    last = present[-1]
    covered = set(last.covered)
    return replace(
        last, changed=list(dict.fromkeys(change for log in present for change in log.changed)),
        triggers=[trigger for log in present for trigger in log.triggers],
        uncovered=sorted({table for log in present for table in log.uncovered} - covered),
    )


class AcceptedRule(Protocol):
    """What `/dbreview ignore` recorded: the App passes its own records of this shape."""

    @property
    def rule(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def by(self) -> str: ...
    @property
    def at(self) -> str: ...


def accept(review: Review, accepted: Sequence[AcceptedRule]) -> Review:
    """The review with the findings of accepted rules suppressed, the reason naming who
    accepted them; the checklist follows. The review given is left as it was."""
    if not accepted:
        return review
    records = [Accepted(rule=entry.rule, reason=entry.reason, by=entry.by, at=entry.at)
               for entry in accepted]
    reasons = {record.rule: _acceptance(record) for record in records}
    files = [_with_accepted(report, reasons) for report in review.files]
    tables: list[TableChange] = review.impact.tables
    return replace(review, files=files, accepted=records,
                   safety=safety_checklist(files, tables))


def _acceptance(record: Accepted) -> str:
    reason = record.reason.strip() or "no reason given"
    return f"accepted by @{record.by} with /dbreview ignore: {reason}"


def _with_accepted(report: FileReport, reasons: dict[str, str]) -> FileReport:
    kept = [finding for finding in report.findings if finding.rule not in reasons]
    if len(kept) == len(report.findings):
        return report
    accepted = [Suppressed(rule=finding.rule, line=finding.line, path=finding.path,
                           reason=reasons[finding.rule])
                for finding in report.findings if finding.rule in reasons]
    return replace(report, findings=kept, suppressed=report.suppressed + accepted)


def rename_file(report: FileReport, path: str) -> None:
    """Show the file under another name (`<stdin>` for standard input) everywhere."""
    report.path = path
    items: list[Finding | Suppressed | StatementFacts] = [*report.findings, *report.suppressed,
                                                          *report.facts]
    for item in items:
        item.path = path
