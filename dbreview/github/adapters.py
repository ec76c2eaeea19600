"""The App's only doors into the review, the renderers and the schema helpers.

Everything the App shows is made elsewhere (dbreview.commands.check, dbreview.render,
dbreview.explain, dbreview.ask, dbreview.schema_docs); each function here calls one of them, so
the GitHub side never grows review logic of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path

from dbreview.ask import answer
from dbreview.commands.check import (
    CheckRequest,
    build_repository_review,
    build_review,
    enrichment,
)
from dbreview.commands.explain import find_table
from dbreview.config import Config
from dbreview.explain import explain_table, relationship_map
from dbreview.github.models import Ignore
from dbreview.render import markdown
from dbreview.render.check_run import CheckRunOutput, check_run_output
from dbreview.render.review_view import Links
from dbreview.render.templating import code, fence, inline
from dbreview.review.build import accept
from dbreview.review.model import Review
from dbreview.schema.load import load_schema
from dbreview.schema.model import Key, Schema
from dbreview.schema_docs import table_doc_path, table_stub, with_marker

COMMENT_MARKER = markdown.COMMENT_MARKER
COMMENT_LIMIT = markdown.MAX_COMMENT  # GitHub refuses comments over 65,536 characters


def review_snapshot(root: Path, changed_paths: frozenset[str], *, title: str | None = None,
                    body: str | None = None, shadow_dsn: str | None = None) -> Review:
    """The review of the pull request mirrored under `root` (config and history from the
    base branch, changed files from the head commit); with `shadow_dsn`, applied to that
    scratch server too."""
    request = CheckRequest(paths=[], root=root, changed_paths=changed_paths, format="markdown",
                           pr_title=title, pr_body=body, shadow=shadow_dsn)
    review = build_review(request)
    review.enrichment = enrichment(review, request)  # None unless the base config enables it
    return review


def review_repository_change(root: Path, changed_paths: frozenset[str]) -> Review:
    """The review of a pull request that changes no migration: what the repository-level
    rules say of the files it does change (a dump it adds); no file when they say nothing."""
    return build_repository_review(CheckRequest(paths=[], root=root,
                                                changed_paths=changed_paths))


def accept_ignored(review: Review, ignores: Sequence[Ignore]) -> Review:
    """The review with the rules accepted by `/dbreview ignore` suppressed: the verdict, the
    comment and the check run all come from this one."""
    return accept(review, ignores)


def comment_markdown(review: Review, *, head_sha: str, details_url: str, links: Links,
                     limit: int) -> str:
    return markdown.render(review, head_sha=head_sha, details_url=details_url, links=links,
                           limit=limit)


def links(repository_html_url: str, head_sha: str, docs_url: str | None) -> Links:
    """Finding locations link to the reviewed commit's files; rule ids to their pages."""
    return Links(docs=docs_url, blob=f"{repository_html_url}/blob/{head_sha}/")


def check_output(review: Review, *, head_sha: str, comment_url: str, links: Links
                 ) -> CheckRunOutput:
    return check_run_output(review, head_sha, comment_url, links=links)


def schema_after(root: Path, config: Config) -> Schema:
    return load_schema([], config, root)


def table_key(schema: Schema, name: str) -> Key:
    """The table a person named (`orders` or `public.orders`); a UsageError naming the
    closest tables otherwise."""
    return find_table(schema, name)


def table_keys(schema: Schema, names: Iterable[str]) -> list[Key]:
    """The keys of qualified table names (`public.orders`) the schema still holds."""
    keys = []
    for name in names:
        qualifier, _, relname = name.rpartition(".")
        if (qualifier, relname) in schema.tables and (qualifier, relname) not in keys:
            keys.append((qualifier, relname))
    return keys


def explain_markdown(schema: Schema, keys: list[Key], config: Config) -> str:
    """The reply to `/dbreview explain`: each table's paragraph, glossary and example query,
    then their relationship map."""
    parts = []
    for key in keys:
        explanation = explain_table(schema, key, config)
        parts.append(f"#### {code(explanation.table)}\n\n{inline(explanation.paragraph)}\n")
        if explanation.glossary:
            parts.append("\n".join(f"- **{inline(entry.term)}**: {inline(entry.meaning)}"
                                   for entry in explanation.glossary) + "\n")
        if explanation.example_query:
            parts.append(f"Example query:\n\n{fence(explanation.example_query, 'sql')}\n")
    relationships = relationship_map(schema, keys)
    parts.append(f"#### Relationships\n\n{fence(relationships.mermaid(), 'mermaid')}\n\n"
                 f"{fence(relationships.text(), 'text')}\n")
    return "\n".join(parts)


def ask(question: str, schema: Schema, config: Config) -> str:
    reply: str = asyncio.run(answer(question, schema, config))  # a worker thread: no loop here
    return reply


def missing_doc_stubs(root: Path, changed_paths: frozenset[str], config: Config
                      ) -> dict[str, str]:
    """Repository path → content of each documentation page the `docs-missing` rule asks
    for, marked as generated so `dbreview docs --write` may refresh it until someone edits it."""
    review = review_snapshot(root, changed_paths)
    names = [finding.table for finding in review.findings()
             if finding.rule == "docs-missing" and finding.table]
    if not names:
        return {}
    schema = schema_after(root, config)
    return {table_doc_path(schema.tables[key], config):
            with_marker(table_stub(schema, key, config)) for key in table_keys(schema, names)}
