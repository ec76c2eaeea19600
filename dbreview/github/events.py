"""Webhook events → jobs. Each handler reads a few payload fields, decides in microseconds
whether there is work, and returns a job for the worker queue (or None); the work itself runs
later, off the request path.

    pull_request  opened, reopened, synchronize, ready_for_review, edited (new base)
    check_run     rerequested (ours)
    issue_comment created on a pull request, by a person, holding `/dbreview …`
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from dbreview.github.client import CHECK_RUN_NAME, RepositoryApi
from dbreview.github.commands import Command, parse_command
from dbreview.github.comment_commands import Request, answer_command
from dbreview.github.context import AppContext
from dbreview.github.models import PullRequest, Target
from dbreview.github.pull_review import Log, review_pull_request

logger = logging.getLogger("dbreview.github")

REVIEWED_ACTIONS = frozenset({"opened", "reopened", "synchronize", "ready_for_review"})


class MalformedPayload(ValueError):
    """A verified delivery without the fields its event always carries."""


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    event: str
    payload: dict[str, Any]


class Job(Protocol):
    @property
    def delivery(self) -> str:
        """The webhook delivery that asked for the work."""

    @property
    def key(self) -> Hashable:
        """Equal keys mean the same work: a job waiting in the queue absorbs its twin."""

    def run(self, ctx: AppContext) -> None: ...


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """Review a pull request, if its head is still the commit its event named (a delivery can
    arrive after a newer push: GitHub's answer, not the order of arrival, decides)."""

    delivery: str
    target: Target
    head_sha: str

    @property
    def key(self) -> Hashable:
        return ("review", self.target, self.head_sha)

    def run(self, ctx: AppContext) -> None:
        api = ctx.app.repository(self.target.installation, self.target.repository)
        _review_if_head(ctx, api, self.delivery, self.target, self.head_sha)


@dataclass(frozen=True, slots=True)
class RerunJob:
    """`Re-run` on our check run: review the pull requests whose head is still that commit."""

    delivery: str
    installation: int
    repository: str
    head_sha: str
    numbers: tuple[int, ...]  # empty when GitHub did not say (a fork's pull request)

    @property
    def key(self) -> Hashable:
        return ("rerun", self.repository, self.head_sha)

    def run(self, ctx: AppContext) -> None:
        api = ctx.app.repository(self.installation, self.repository)
        for number in self.numbers or tuple(api.pulls_for_commit(self.head_sha)):
            target = Target(self.installation, self.repository, number)
            _review_if_head(ctx, api, self.delivery, target, self.head_sha)


@dataclass(frozen=True, slots=True)
class CommandJob:
    delivery: str
    target: Target
    comment_id: int
    author: str
    command: Command

    @property
    def key(self) -> Hashable:
        return ("command", self.target.repository, self.comment_id)

    def run(self, ctx: AppContext) -> None:
        api = ctx.app.repository(self.target.installation, self.target.repository)
        request = Request(ctx=ctx, api=api, number=self.target.number, author=self.author,
                          command=self.command, log=_log(self.delivery, self.target, None))
        answer_command(request, self.comment_id)


def _review_if_head(ctx: AppContext, api: RepositoryApi, delivery: str, target: Target,
                    head_sha: str) -> None:
    log = _log(delivery, target, head_sha)
    pull = api.pull(target.number)
    if pull.head_sha != head_sha:
        log.info("skipped: the pull request has moved on to %s", pull.head_sha[:7])
    elif pull.state != "open":
        log.info("skipped: the pull request is %s", pull.state)
    else:
        review_pull_request(ctx, api, pull, log)


def route(delivery: Delivery, app_id: int) -> Job | None:
    """The job a delivery asks for, or None; MalformedPayload when its fields are missing."""
    handler = _HANDLERS.get(delivery.event)
    if handler is None:
        return None
    try:
        return handler(delivery, app_id)
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedPayload(f"the {delivery.event} payload lacks {error}") from None


def _on_pull_request(delivery: Delivery, app_id: int) -> Job | None:
    payload = delivery.payload
    action = payload["action"]
    new_base = action == "edited" and "base" in (payload.get("changes") or {})
    if action not in REVIEWED_ACTIONS and not new_base:
        return None
    pull = PullRequest.from_json(payload["pull_request"])
    if pull.state != "open":
        return None
    target = Target(_installation(payload), pull.repository, pull.number)
    return ReviewJob(delivery.id, target, pull.head_sha)


def _on_check_run(delivery: Delivery, app_id: int) -> Job | None:
    payload = delivery.payload
    check_run = payload["check_run"]
    ours = check_run["name"] == CHECK_RUN_NAME and (check_run.get("app") or {}).get(
        "id", app_id) == app_id
    if payload["action"] != "rerequested" or not ours:
        return None
    numbers = tuple(int(pull["number"]) for pull in check_run.get("pull_requests") or [])
    return RerunJob(delivery.id, _installation(payload), payload["repository"]["full_name"],
                    check_run["head_sha"], numbers)


def _on_issue_comment(delivery: Delivery, app_id: int) -> Job | None:
    payload = delivery.payload
    issue, comment = payload["issue"], payload["comment"]
    if payload["action"] != "created" or "pull_request" not in issue:
        return None
    if "Bot" in (comment["user"].get("type"), payload["sender"].get("type")):
        return None  # other bots, and this App's own replies
    command = parse_command(comment.get("body") or "")
    if command is None:
        return None
    target = Target(_installation(payload), payload["repository"]["full_name"],
                    int(issue["number"]))
    return CommandJob(delivery.id, target, int(comment["id"]), comment["user"]["login"],
                      command)


def _installation(payload: dict[str, Any]) -> int:
    return int(payload["installation"]["id"])


_HANDLERS: dict[str, Callable[[Delivery, int], Job | None]] = {
    "pull_request": _on_pull_request,
    "check_run": _on_check_run,
    "issue_comment": _on_issue_comment,
}
EVENTS = frozenset(_HANDLERS)  # what the App subscribes to (app/manifest.json)


def _log(delivery: str, target: Target, head_sha: str | None) -> Log:
    fields: dict[str, object] = {"delivery": delivery, "repository": target.repository,
                                 "pr": target.number}
    if head_sha is not None:
        fields["head_sha"] = head_sha
    return logging.LoggerAdapter(logger, fields)
