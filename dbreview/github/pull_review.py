"""One pull request reviewed: check run in progress → mirror → review → sticky comment →
check run completed with its annotations, 50 per request.

A newer push supersedes the review: before it writes the comment it asks GitHub for the pull
request's head, and when that moved on, its check run ends `cancelled` and the comment stays
as the newer review left it. A review that cannot complete fails the check closed (or
neutral, `on_error: neutral`) with the reason and how to retry.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dbreview.config import Config
from dbreview.errors import DbreviewError
from dbreview.github import adapters
from dbreview.github.client import RepositoryApi
from dbreview.github.context import AppContext
from dbreview.github.models import CheckRunRef, Comment, Ignore, PullRequest
from dbreview.github.retry import GitHubUnavailable
from dbreview.github.snapshot import Snapshot, mirror, read_base
from dbreview.github.sticky import find_sticky, ignores_block, read_ignores, with_ignore
from dbreview.render.templating import inline
from dbreview.review.model import Review

RETRY_HINT = "Comment `/dbreview` on the pull request to retry."
NO_MIGRATIONS = (f"{adapters.COMMENT_MARKER}\n"
                 "✅ **dbreview**: this pull request no longer changes any migration; "
                 "the earlier review no longer applies.\n")

Log = logging.LoggerAdapter[logging.Logger]


@dataclass(frozen=True, slots=True)
class Outcome:
    conclusion: str  # the check run's: success, failure, neutral, skipped, cancelled
    summary: str


class Superseded(Exception):
    """A newer push arrived: this review's results would be stale."""


def review_pull_request(ctx: AppContext, api: RepositoryApi, pull: PullRequest, log: Log, *,
                        new_ignore: Ignore | None = None) -> Outcome:
    started = time.monotonic()
    log = logging.LoggerAdapter(log.logger, {**(log.extra or {}), "head_sha": pull.head_sha})
    try:
        check = api.create_check_run(pull.head_sha, status="in_progress",
                                     started_at=datetime.now(UTC))
    except GitHubUnavailable as error:
        log.error("review not started: %s", error)  # with nowhere to report it but here
        raise
    config: Config | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="dbreview-pr-") as directory:
            root = Path(directory)
            base = read_base(api, pull, root)
            config = base.config
            if pull.draft and not config.github.drafts:
                return _complete(api, check, "skipped", "Draft pull request: not reviewed yet",
                                 "dbreview reviews this pull request when it is marked ready "
                                 "for review (set `github.drafts: true` in "
                                 ".github/dbreview.yml to review drafts).")
            snapshot = mirror(api, pull, api.pull_files(pull.number), base, root)
            sticky = find_sticky(api.comments(pull.number), ctx.app.bot_login())
            ignores = read_ignores(sticky)
            if new_ignore is not None:
                ignores = with_ignore(ignores, new_ignore)
            outcome = _publish(ctx, api, pull, check, snapshot, sticky, ignores)
    except Superseded:
        outcome = _complete_or_log(api, check, log, "cancelled", "Superseded by a newer push",
                                   "A newer commit of this pull request is being reviewed "
                                   "instead.")
    except Exception as error:  # noqa: BLE001 - every failure must reach the check run
        outcome = _fail_closed(api, check, config, error, log)
    ctx.metrics.reviews.labels(conclusion=outcome.conclusion).inc()
    ctx.metrics.review_seconds.observe(time.monotonic() - started)
    log.info("review %s: %s", outcome.conclusion, outcome.summary)
    return outcome


def _publish(ctx: AppContext, api: RepositoryApi, pull: PullRequest, check: CheckRunRef,
             snapshot: Snapshot, sticky: Comment | None, ignores: list[Ignore]) -> Outcome:
    block = ignores_block(ignores)
    review = _review(ctx, pull, snapshot, ignores)
    if review is None:
        _ensure_current(api, pull)
        if sticky is not None:
            _upsert(api, pull.number, sticky, NO_MIGRATIONS + block)
        return _complete(api, check, "success", "No migration changed",
                         "This pull request changes no migration file, so there is nothing "
                         "for dbreview to review.")
    links = adapters.links(pull.repository_html_url, pull.head_sha, ctx.docs_url)
    body = adapters.comment_markdown(review, head_sha=pull.head_sha, details_url=check.html_url,
                                     links=links, limit=adapters.COMMENT_LIMIT - len(block))
    _ensure_current(api, pull)
    comment_url = _upsert(api, pull.number, sticky, body + block)
    output = adapters.check_output(review, head_sha=pull.head_sha, comment_url=comment_url,
                                   links=links)
    return _complete(api, check, review.conclusion, output.title, output.summary, output.text,
                     output.annotation_batches())


def _review(ctx: AppContext, pull: PullRequest, snapshot: Snapshot,
            ignores: list[Ignore]) -> Review | None:
    """The pull request's review; None when it changes no migration and the repository-level
    rules have nothing to say about the files it does change."""
    if not snapshot.touches_migrations:
        review = adapters.review_repository_change(snapshot.root, snapshot.changed_paths)
        return adapters.accept_ignored(review, ignores) if review.files else None
    # A fork's SQL is never executed, not even on the scratch server.
    shadow = None if pull.from_fork else ctx.shadow_dsn
    return adapters.accept_ignored(adapters.review_snapshot(
        snapshot.root, snapshot.changed_paths, title=pull.title, body=pull.body,
        shadow_dsn=shadow), ignores)


def _ensure_current(api: RepositoryApi, pull: PullRequest) -> None:
    """Stop before writing when the pull request has moved on: asking GitHub holds across
    replicas and whatever order the deliveries arrived in."""
    if api.pull(pull.number).head_sha != pull.head_sha:
        raise Superseded


def _upsert(api: RepositoryApi, number: int, sticky: Comment | None, body: str) -> str:
    """Create or edit the review comment; its URL."""
    if sticky is None:
        return api.create_comment(number, body).html_url
    if sticky.body != body:
        api.edit_comment(sticky.id, body)
    return sticky.html_url


def _complete(api: RepositoryApi, check: CheckRunRef, conclusion: str, title: str,
              summary: str, text: str = "", batches: list[list[dict[str, Any]]] | None = None
              ) -> Outcome:
    """Complete the check run, its annotations in as many requests as they need."""
    output: dict[str, Any] = {"title": title, "summary": summary}
    if text:
        output["text"] = text
    batches = batches or [[]]
    for batch in batches[:-1]:
        api.update_check_run(check, output={**output, "annotations": batch})
    api.update_check_run(check, status="completed", conclusion=conclusion,
                         completed_at=_now(), output={**output, "annotations": batches[-1]})
    return Outcome(conclusion, title)


def _fail_closed(api: RepositoryApi, check: CheckRunRef, config: Config | None,
                 error: Exception, log: Log) -> Outcome:
    if isinstance(error, DbreviewError | GitHubUnavailable):
        reason = str(error)
        log.warning("review failed: %s", reason)
    else:
        reason = f"an internal error in dbreview ({type(error).__name__})"
        log.exception("review failed")
    conclusion = "neutral" if config is not None and config.on_error == "neutral" else "failure"
    return _complete_or_log(api, check, log, conclusion,
                            "dbreview could not review this pull request",
                            f"The review did not complete: {inline(reason)}\n\n{RETRY_HINT}")


def _complete_or_log(api: RepositoryApi, check: CheckRunRef, log: Log, conclusion: str,
                     title: str, summary: str) -> Outcome:
    """Complete the check run; when GitHub will not even take that, the log is all there is."""
    try:
        return _complete(api, check, conclusion, title, summary)
    except GitHubUnavailable as error:
        log.error("could not complete the check run (%s): %s", conclusion, error)
        return Outcome(conclusion, title)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
