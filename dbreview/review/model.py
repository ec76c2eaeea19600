"""The review model: what every rendering (terminal text, JSON, SARIF, GitHub annotations, the
pull-request comment, the check run) reads.

Pydantic dataclasses, so that `--format json` is this model as it is (docs/cli.md,
schema_version 1; keys may be added, never renamed); what only the renderers need (the
migration, the statement facts of one file) is excluded from the JSON. Dataclasses with slots
rather than BaseModel: a 20,000-statement review holds some 100,000 of these, and a slotted
instance takes a fifth of the memory.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    TypeAdapter,
    computed_field,
)
from pydantic.dataclasses import dataclass

from dbreview import __version__
from dbreview.layouts.base import Migration

SCHEMA_VERSION = 1
Conclusion = Literal["failure", "success", "neutral"]
Severity = Literal["error", "warning", "notice"]
Risk = Literal["none", "low", "high"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "notice")
_RANKS = {"error": 3, "warning": 2, "notice": 1}
RISK_ORDER: dict[str, int] = {"none": 0, "low": 1, "high": 2}


def _absent(value: object) -> bool:
    return value is None


class _Dumps:
    """`model_dump` and `model_dump_json` as pydantic's BaseModel has them."""

    __slots__ = ()

    def model_dump(self, **options: Any) -> dict[str, Any]:
        data: dict[str, Any] = _adapter(self._model()).dump_python(self, **options)
        return data

    def model_dump_json(self, **options: Any) -> str:
        return _adapter(self._model()).dump_json(self, **options).decode()

    def _model(self) -> Any:
        return type(self)  # Any: mypy sees a dataclass type as unhashable for the cache


@dataclass(slots=True, kw_only=True)
class Finding(_Dumps):
    rule: str
    severity: Severity
    category: str
    message: str
    remediation: str
    # present in the JSON only where a safe rewrite exists
    suggested_sql: str | None = Field(default=None, exclude_if=_absent)
    table: str | None = None
    line: int
    column: int
    end_line: int
    end_column: int
    path: str = Field(exclude=True)  # the file's own `path` says it in the JSON


@dataclass(slots=True, kw_only=True)
class Suppressed(_Dumps):
    rule: str
    line: int
    reason: str
    path: str = Field(exclude=True)


@dataclass(slots=True, kw_only=True)
class StatementFacts(_Dumps):
    """One statement: the lock it takes on which tables, and what it does to them."""

    path: str
    line: int
    sql: str  # secrets masked, long statements cut
    lock: str | None  # the strongest lock, None when it takes no table lock
    tables: list[str]
    new_tables: list[str]  # those of `tables` created earlier in the changeset
    blocks: str  # what ordinary traffic on existing tables waits for: nothing | writes | …
    rewrite: bool
    scan: bool
    observed: bool = False  # measured by a shadow run rather than predicted
    end_line: int = 0
    complete: bool = True  # `sql` is the whole statement (not cut)

    @property
    def blocking(self) -> bool:
        return self.blocks != "nothing"


@dataclass(slots=True, kw_only=True)
class Change(_Dumps):
    """One thing a statement changes: `add column public.tasks.assignee_id (uuid not null)`."""

    line: int
    action: str  # create | alter | drop | add | rename | enable | grant | update | …
    object: str  # table | column | index | constraint | policy | function | trigger | …
    name: str
    detail: str | None = None

    @property
    def label(self) -> str:
        text = f"{self.action} {self.object} {self.name}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(slots=True, kw_only=True, config=ConfigDict(arbitrary_types_allowed=True))
class FileReport(_Dumps):
    path: str
    version: str | None
    statements: int = 0
    findings: list[Finding] = Field(default_factory=list)
    suppressed: list[Suppressed] = Field(default_factory=list)
    why: str | None = None  # the migration's header comment
    changes: list[Change] = Field(default_factory=list)
    backfill_needed: bool = False
    backfill_reasons: list[str] = Field(default_factory=list)
    downtime_risk: Risk = "none"
    data_loss: bool = False
    migration: Migration | None = Field(default=None, exclude=True)
    facts: list[StatementFacts] = Field(default_factory=list, exclude=True)  # impact.statements
    # a changed file that is no migration (a dump the change adds), there for its findings
    repository_file: bool = Field(default=False, exclude=True)

    def blocking_facts(self) -> list[StatementFacts]:
        return [facts for facts in self.facts if facts.blocking]


@dataclass(slots=True, kw_only=True)
class Item(_Dumps):
    """A column, constraint, index, policy, trigger or relationship of a table, in words."""

    name: str
    detail: str
    change: Literal["added", "dropped", "changed"] | None = None
    was: str | None = None  # the detail before a change


@dataclass(slots=True, kw_only=True)
class TableChange(_Dumps):
    """A table the changeset creates, alters or drops, as the changeset leaves it."""

    name: str
    change: Literal["created", "altered", "dropped"]
    new: bool
    key: tuple[str, str] | None = Field(default=None, exclude=True)  # in the schema model
    kind: str = "table"
    comment: str | None = None
    tenant_table: bool = False
    columns: list[Item] = Field(default_factory=list)
    constraints: list[Item] = Field(default_factory=list)
    indexes: list[Item] = Field(default_factory=list)
    relationships: list[Item] = Field(default_factory=list)
    rls_enabled: bool = False
    rls_forced: bool = False
    rls_change: Literal["enabled", "disabled"] | None = None
    policies: list[Item] = Field(default_factory=list)
    triggers: list[Item] = Field(default_factory=list)
    logged: bool = False  # the activity log covers inserts, updates and deletes


@dataclass(slots=True, kw_only=True)
class Impact(_Dumps):
    tables: list[TableChange] = Field(default_factory=list)
    statements: list[StatementFacts] = Field(default_factory=list)
    backfill_needed: bool = False
    backfill_reasons: list[str] = Field(default_factory=list)
    downtime_risk: Risk = "none"
    data_loss: bool = False


@dataclass(slots=True, kw_only=True)
class FindingRef(_Dumps):
    rule: str
    severity: Severity
    path: str
    line: int


@dataclass(slots=True, kw_only=True)
class SafetyItem(_Dumps):
    """One line of the safety checklist (C.5) and the findings that fail it."""

    id: Literal["secrets", "isolation", "data-loss"]
    title: str
    status: Literal["pass", "warn", "fail"]
    checked: str  # what the item covers, in words
    findings: list[FindingRef] = Field(default_factory=list)
    suppressed: int = 0


@dataclass(slots=True, kw_only=True)
class ActivityLog(_Dumps):
    """The activity-log design (C.4), when the changeset adds or changes it."""

    table: str
    function: str
    changed: list[str]  # what the changeset does to it, in words
    triggers: list[Item]
    covered: list[str]  # tables whose every write is logged
    uncovered: list[str]  # tables of the changeset whose writes are not all logged
    example_query: str


@dataclass(slots=True, kw_only=True)
class GlossaryEntry(_Dumps):
    term: str
    meaning: str


@dataclass(slots=True, kw_only=True)
class Explanation(_Dumps):
    table: str
    paragraph: str
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    example_query: str | None = None


@dataclass(slots=True, kw_only=True)
class RelationshipMap(_Dumps):
    tables: list[str]  # the tables the map is about (their neighbours are drawn too)
    mermaid: str  # an erDiagram, without the code fence
    text: str


@dataclass(slots=True, kw_only=True)
class DocStub(_Dumps):
    table: str
    path: str  # where it belongs in the repository
    content: str


@dataclass(slots=True, kw_only=True)
class Accepted(_Dumps):
    """Findings of a rule accepted for one pull request (`/dbreview ignore`): who and why."""

    rule: str
    reason: str
    by: str
    at: str | None = None


@dataclass(slots=True, kw_only=True)
class AiTableNote(_Dumps):
    table: str
    explanation: str


@dataclass(slots=True, kw_only=True)
class AiGlossaryEntry(_Dumps):
    term: str
    definition: str


@dataclass(slots=True, kw_only=True)
class AiReviewerNote(_Dumps):
    title: str
    detail: str


@dataclass(slots=True, kw_only=True)
class Enrichment(_Dumps):
    """What an LLM wrote beside the review (JSON: the top-level `enrichment` key), never a
    finding and never the verdict. `missing` says what did not arrive and why."""

    ai_written: bool = True
    model: str
    prompt_versions: dict[str, str]
    narrative: str = ""
    tables: list[AiTableNote] = Field(default_factory=list)
    glossary: list[AiGlossaryEntry] = Field(default_factory=list)
    reviewer_notes: list[AiReviewerNote] = Field(default_factory=list)
    missing: str | None = None


@dataclass(slots=True, kw_only=True)
class Tool(_Dumps):
    name: str = "dbreview"
    version: str = __version__


# cli.md's first keys: these four, then `files` and `impact` (the first fields of Review).
_COMPUTED_FIRST = ("schema_version", "tool", "conclusion", "counts")


@dataclass(slots=True, kw_only=True)
class Review(_Dumps):
    files: list[FileReport]
    impact: Impact
    fail_on: str = "error"
    config_file: str | None = None  # the configuration in force; None: the defaults
    pr_title: str | None = None
    pr_body: str | None = None
    safety: list[SafetyItem] = Field(default_factory=list)
    activity_log: ActivityLog | None = None
    explanations: list[Explanation] = Field(default_factory=list)
    explanations_omitted: int = 0  # changed tables left out to keep the review short
    relationship_maps: list[RelationshipMap] = Field(default_factory=list)
    doc_stubs: list[DocStub] = Field(default_factory=list)
    accepted: list[Accepted] = Field(default_factory=list)
    # absent, not null, when not asked for
    enrichment: Enrichment | None = Field(default=None, exclude_if=_absent)  # an LLM is enabled
    shadow: str | None = Field(default=None, exclude_if=_absent)  # --shadow: what it traced

    @computed_field  # type: ignore[prop-decorator]
    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSION

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tool(self) -> Tool:
        return Tool()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conclusion(self) -> Conclusion:
        return "failure" if self.failed else "success"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "notice": 0, "suppressed": 0}
        for report in self.files:
            for finding in report.findings:
                counts[finding.severity] += 1
            counts["suppressed"] += len(report.suppressed)
        return counts

    def findings(self) -> list[Finding]:
        return [finding for report in self.files for finding in report.findings]

    def to_json(self) -> bytearray:
        """docs/cli.md's keys in its order, then the keys added since. Its first four keys are
        computed, which pydantic writes last: they are written on their own and put first, so
        the large rest goes straight to JSON without a detour through Python dicts."""
        adapter = _adapter(Review)
        document = bytearray(adapter.dump_json(self, include=set(_COMPUTED_FIRST)))
        document[-1:] = b","
        # a large review's JSON is tens of megabytes: joined without another copy of it
        document += memoryview(adapter.dump_json(self, exclude=set(_COMPUTED_FIRST)))[1:]
        return document

    def model_dump(self, **options: Any) -> dict[str, Any]:
        data = _Dumps.model_dump(self, **options)
        return {**{key: data.pop(key) for key in _COMPUTED_FIRST if key in data}, **data}

    def model_dump_json(self, *, indent: int | None = None, **options: Any) -> str:
        """The JSON in the contract's key order, like `to_json`; with options, through a dict."""
        if indent is None and not options:
            return self.to_json().decode()
        return json.dumps(self.model_dump(mode="json", **options), indent=indent,
                          ensure_ascii=False)

    @property
    def failed(self) -> bool:
        if self.fail_on == "never":
            return False
        threshold = _RANKS[self.fail_on]
        return any(_RANKS[finding.severity] >= threshold for finding in self.findings())


def by_position(findings: list[Finding]) -> list[Finding]:
    """In the order a reader meets them in the file."""
    return sorted(findings, key=lambda finding: (finding.line, finding.column, finding.rule))


@cache
def _adapter(model: type[Any]) -> TypeAdapter[Any]:
    return TypeAdapter(model)
