"""The AI-written part of a review: a narrative of the change, table explanations, glossary
entries and reviewer notes.

It is added beside the deterministic review, never into it: `enrich` reads a finished `Review`
and returns a separate `Enrichment` (JSON: the top-level `enrichment` key; Markdown: its own
section, marked as AI-written). Nothing here can change a finding or the verdict. When the LLM
is off, `enrich` returns None; when it fails or runs past `llm.deadline`, an `Enrichment` that
only says what is missing and why. It never raises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from dbreview.config import Config
from dbreview.llm import prompts
from dbreview.llm.client import Llm, TokenBudget, attempt
from dbreview.llm.containment import OutputFilter, outgoing, outgoing_data
from dbreview.review.model import (
    AiGlossaryEntry,
    AiReviewerNote,
    AiTableNote,
    Enrichment,
    Review,
)

PROMPT = "enrich"
# What one review may send (characters, after masking).
SQL_LIMIT = 16_000
SCHEMA_LIMIT = 6_000
TITLE_LIMIT = 300
BODY_LIMIT = 4_000
FINDINGS_LIMIT = 30
# What it may show.
MAX_TABLES, MAX_GLOSSARY, MAX_NOTES = 12, 12, 6
NARRATIVE_LIMIT, EXPLANATION_LIMIT, TERM_LIMIT, DEFINITION_LIMIT = 2_000, 800, 80, 300
TITLE_OUT_LIMIT, DETAIL_LIMIT = 120, 600


class TableExplanation(BaseModel):
    table: str
    explanation: str


class GlossaryEntry(BaseModel):
    term: str
    definition: str


class ReviewerNote(BaseModel):
    title: str
    detail: str


class EnrichmentDraft(BaseModel):
    """What the model is asked for: the structured-output schema sent with the request."""

    narrative: str
    tables: list[TableExplanation]
    glossary: list[GlossaryEntry]
    reviewer_notes: list[ReviewerNote]


@dataclass(frozen=True, slots=True)
class EnrichmentContext:
    config: Config
    llm: Llm | None = None  # None: from the environment (OPENAI_API_KEY, OPENAI_BASE_URL)


async def enrich(review: Review, context: EnrichmentContext) -> Enrichment | None:
    """The AI-written additions to `review`; None when the LLM is off."""
    llm = context.llm or Llm.from_environment(context.config.llm)
    if llm is None:
        return None

    async def draft(budget: TokenBudget) -> tuple[prompts.Prompt, EnrichmentDraft]:
        prompt = prompts.render(PROMPT, **_prompt_values(review, context))
        return prompt, await llm.generate(prompt, EnrichmentDraft, budget)

    result, note = await attempt(llm, draft)
    if result is None:
        return Enrichment(model=llm.model, prompt_versions={}, missing=note)
    prompt, drafted = result
    return _accepted(drafted, review, llm.model, prompt)


def _prompt_values(review: Review, context: EnrichmentContext) -> dict[str, Any]:
    findings = review.findings()
    return {
        "pull_request": {"title": outgoing(review.pr_title or "", TITLE_LIMIT),
                         "body": outgoing(review.pr_body or "", BODY_LIMIT)},
        "review": {
            "conclusion": review.conclusion,
            "counts": review.counts,
            "findings": [{"rule": finding.rule, "severity": finding.severity,
                          "where": f"{finding.path}:{finding.line}",
                          "message": outgoing(finding.message, 300)}
                         for finding in findings[:FINDINGS_LIMIT]],
        },
        "migrations": _migrations(review),
        "schema": _changed_tables(review),
        "tenant_column": context.config.tenancy.column,
        "max_tables": MAX_TABLES, "max_glossary": MAX_GLOSSARY, "max_notes": MAX_NOTES,
    }


def _migrations(review: Review) -> list[dict[str, str]]:
    """Each changed file's SQL, comments included (they say why), sharing SQL_LIMIT."""
    sources = [(report.path, migration) for report in review.files
               if (migration := report.migration) is not None]
    migrations = []
    remaining = SQL_LIMIT
    for index, (path, migration) in enumerate(sources):
        sql = outgoing(migration.read().up, remaining // (len(sources) - index))
        remaining -= len(sql)
        migrations.append({"path": path, "sql": sql})
    return migrations


def _changed_tables(review: Review) -> list[dict[str, Any]]:
    """The tables the change creates, alters or drops, as the review describes them (columns,
    keys, relationships, row level security, policies), while they fit in SCHEMA_LIMIT."""
    tables: list[dict[str, Any]] = []
    size = 0
    for change in review.impact.tables:
        described = outgoing_data(change.model_dump(exclude_none=True))
        size += len(json.dumps(described, ensure_ascii=False))
        if size > SCHEMA_LIMIT:
            break
        tables.append(described)
    return tables


def _accepted(draft: EnrichmentDraft, review: Review, model: str,
              prompt: prompts.Prompt) -> Enrichment:
    """The draft without what does not belong: explanations of tables the change does not
    touch, empty items, links and commands that were not in the input; cut to size."""
    clean = OutputFilter(prompt.user).clean
    changed = {change.name for change in review.impact.tables}
    tables = [AiTableNote(table=name, explanation=clean(item.explanation, EXPLANATION_LIMIT))
              for item in draft.tables if (name := _changed_table(item.table, changed))]
    glossary = [AiGlossaryEntry(term=clean(item.term, TERM_LIMIT),
                                definition=clean(item.definition, DEFINITION_LIMIT))
                for item in draft.glossary]
    notes = [AiReviewerNote(title=clean(note.title, TITLE_OUT_LIMIT),
                            detail=clean(note.detail, DETAIL_LIMIT))
             for note in draft.reviewer_notes]
    tables = [item for item in tables if item.explanation]
    glossary = [item for item in glossary if item.term and item.definition]
    notes = [note for note in notes if note.title and note.detail]
    dropped = (len(draft.tables) + len(draft.glossary) + len(draft.reviewer_notes)
               - len(tables) - len(glossary) - len(notes))
    return Enrichment(
        model=model, prompt_versions={prompt.name: prompt.version},
        narrative=clean(draft.narrative, NARRATIVE_LIMIT),
        tables=tables[:MAX_TABLES], glossary=glossary[:MAX_GLOSSARY],
        reviewer_notes=notes[:MAX_NOTES],
        missing=f"{dropped} of the model's items did not fit this review and were left out"
        if dropped else None,
    )


def _changed_table(name: str, changed: set[str]) -> str | None:
    """The changed table the model means by `name` (it may leave out the schema)."""
    if name in changed:
        return name
    matches = [table for table in changed if table.rpartition(".")[2] == name]
    return matches[0] if len(matches) == 1 else None
