"""Answering `/dbreview …` commands: 👀 at once, the permission check where the command changes
the verdict or the branch, the work, then a reply."""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dbreview.errors import DbreviewError
from dbreview.github import adapters
from dbreview.github.client import RepositoryApi
from dbreview.github.commands import HELP, WRITE_PERMISSIONS, Command, Name
from dbreview.github.context import AppContext
from dbreview.github.models import Ignore, PullRequest
from dbreview.github.pull_review import Log, review_pull_request
from dbreview.github.retry import GitHubUnavailable
from dbreview.github.snapshot import Snapshot, mirror, read_base
from dbreview.render.templating import code, inline
from dbreview.rules import registry


@dataclass(frozen=True, slots=True)
class Request:
    """A command, who wrote it, and where."""

    ctx: AppContext
    api: RepositoryApi
    number: int
    author: str
    command: Command
    log: Log

    def pull(self) -> PullRequest:
        return self.api.pull(self.number)


def answer_command(request: Request, comment_id: int) -> None:
    request.api.react(comment_id, "eyes")
    command = request.command
    if command.needs_write and request.api.permission(request.author) not in WRITE_PERMISSIONS:
        reply = (f"Sorry @{request.author}, {code('/dbreview ' + command.name.value)} needs "
                 "write access to this repository. Nothing was changed.")
    else:
        try:
            reply = _HANDLERS[command.name](request)
        except (DbreviewError, GitHubUnavailable) as error:  # may quote what the user wrote
            reply = f"dbreview could not do that: {inline(str(error))}"
        except Exception:  # noqa: BLE001 - the person who asked still gets an answer
            request.log.exception("/dbreview %s failed", command.name.value)
            reply = "dbreview could not do that (an internal error; its log has the details)."
    request.api.create_comment(request.number, f"@{request.author} {_clip(reply)}")
    request.log.info("answered /dbreview %s", command.name.value)


def _review(request: Request) -> str:
    outcome = review_pull_request(request.ctx, request.api, request.pull(), request.log)
    return f"reviewed again: **{outcome.conclusion}** ({outcome.summary})."


def _ignore(request: Request) -> str:
    rule, reason = request.command.ignore_parts()
    known = registry().ids()
    if rule not in known:
        close = difflib.get_close_matches(rule, sorted(known), n=1)
        hint = f"did you mean {code(close[0])}?" if close else "see the rule ids in the review."
        return f"{code(rule or '<rule-id>')} is not a dbreview rule; {hint}"
    accepted = Ignore(rule=rule, reason=reason, by=request.author,
                      at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    outcome = review_pull_request(request.ctx, request.api, request.pull(), request.log,
                                  new_ignore=accepted)
    return (f"accepted {code(rule)} for this pull request (recorded in the review comment); "
            f"the check ran again: **{outcome.conclusion}**.")


def _explain(request: Request) -> str:
    def explain(snapshot: Snapshot) -> str:
        schema = adapters.schema_after(snapshot.root, snapshot.config)
        name = request.command.argument
        if name:
            keys = [adapters.table_key(schema, name)]
        else:
            if not snapshot.touches_migrations:
                return ("this pull request changes no migration; name a table: "
                        f"{code('/dbreview explain <table>')}.")
            review = adapters.review_snapshot(snapshot.root, snapshot.changed_paths)
            keys = adapters.table_keys(schema, [t.name for t in review.impact.tables])
            if not keys:
                return "the migrations of this pull request leave no table to explain."
        return "here is the schema explanation.\n\n" + adapters.explain_markdown(
            schema, keys, snapshot.config)

    return _with_snapshot(request, explain)


def _ask(request: Request) -> str:
    question = request.command.argument
    if not question:
        return f"ask a question after the command: {code('/dbreview ask <question>')}."

    def ask(snapshot: Snapshot) -> str:
        schema = adapters.schema_after(snapshot.root, snapshot.config)
        return adapters.ask(question, schema, snapshot.config)

    return _with_snapshot(request, ask)


def _docs(request: Request) -> str:
    pull = request.pull()
    if pull.from_fork:
        return ("this pull request comes from a fork, and dbreview does not push to forks; "
                "the review comment holds the stubs to copy.")

    def commit_stubs(snapshot: Snapshot) -> str:
        if not snapshot.touches_migrations:
            return "this pull request changes no migration, so no documentation is missing."
        stubs = adapters.missing_doc_stubs(snapshot.root, snapshot.changed_paths,
                                            snapshot.config)
        try:
            for path, content in stubs.items():
                request.api.put_file(path, content, f"docs: add {path} (dbreview docs)",
                                     pull.head_ref)
        except GitHubUnavailable as error:
            if error.status != 403:
                raise
            return ("this installation of dbreview may not write to the repository (its "
                    "Contents permission is read-only); an admin can grant Contents: write "
                    "in the App's settings, or copy the stubs from the review comment.")
        if not stubs:
            return "no documentation page is missing."
        listed = "\n".join(f"- {code(path)}" for path in stubs)
        return f"committed {len(stubs)} documentation stub(s) to this branch:\n\n{listed}"

    return _with_snapshot(request, commit_stubs, pull)


def _help(request: Request) -> str:
    unknown = request.command.unknown
    opening = f"{code(unknown)} is not a dbreview command.\n\n" if unknown else ""
    return opening + HELP


def _with_snapshot(request: Request, work: Callable[[Snapshot], str],
                   pull: PullRequest | None = None) -> str:
    pull = pull or request.pull()
    with tempfile.TemporaryDirectory(prefix="dbreview-cmd-") as directory:
        root = Path(directory)
        base = read_base(request.api, pull, root)
        snapshot = mirror(request.api, pull, request.api.pull_files(pull.number), base, root)
        return work(snapshot)


_HANDLERS: dict[Name, Callable[[Request], str]] = {
    Name.REVIEW: _review, Name.IGNORE: _ignore, Name.EXPLAIN: _explain, Name.ASK: _ask,
    Name.DOCS: _docs, Name.HELP: _help,
}


def _clip(reply: str) -> str:
    limit = adapters.COMMENT_LIMIT
    return reply if len(reply) <= limit else reply[:limit] + "\n\n(cut short)"
