"""A small Supabase repository on the fake GitHub, and ways to wait for the App's work."""

from __future__ import annotations

from typing import Any

from tests.cli_support import ORDERS_HISTORY
from tests.fakes import payloads
from tests.fakes.github import FakeGitHub, Pull, Repo
from tests.fakes.service import Service

MIGRATIONS = "supabase/migrations"
HISTORY = {f"{MIGRATIONS}/20240101000000_orders.sql": ORDERS_HISTORY}
INDEX_FILE = f"{MIGRATIONS}/20250601000000_orders_by_customer.sql"
# Line 2 of INDEX_ON_ORDERS builds an index on the existing orders table without CONCURRENTLY.
INDEX_LINE = 2


def many_indexes(count: int) -> str:
    """A migration whose every statement is an `index-not-concurrent` error."""
    lines = ["-- index orders every which way"]
    lines += [f"CREATE INDEX orders_customer_{n}_idx ON orders (customer_id);"
              for n in range(count)]
    return "\n".join(lines) + "\n"


def open_pull(fake: FakeGitHub, changes: dict[str, str], *, base: dict[str, str] | None = None,
              repo_name: str = "octo/shop", **options: Any) -> tuple[Repo, Pull]:
    repo = fake.repos.get(repo_name) or fake.add_repo(repo_name)
    base_sha = repo.commit(HISTORY if base is None else base, branch="main")
    head_sha = repo.commit(changes, parent=base_sha)
    return repo, repo.open_pull(base=base_sha, head=head_sha, **options)


def deliver_opened(service: Service, repo: Repo, pull: Pull, action: str = "opened") -> None:
    answer = service.deliver("pull_request", payloads.pull_request(repo, pull, action))
    assert answer.status_code == 202, answer.text


def completed_run(fake: FakeGitHub, repo: Repo, sha: str, count: int = 1) -> dict[str, Any]:
    """The last completed `dbreview` check run of `sha`, once `count` of them completed."""
    def done() -> list[dict[str, Any]]:
        runs = [run for run in repo.check_runs.values()
                if run["head_sha"] == sha and run["status"] == "completed"]
        return runs if len(runs) >= count else []

    runs: list[dict[str, Any]] = fake.wait_until(done)
    return runs[-1]


def bot_comments(fake: FakeGitHub, repo: Repo, pull: Pull) -> list[dict[str, Any]]:
    return [comment for comment in repo.comments_on(pull.number)
            if comment["user"]["login"] == fake.bot_login]


def sticky(fake: FakeGitHub, repo: Repo, pull: Pull) -> dict[str, Any]:
    found = [c for c in bot_comments(fake, repo, pull)
             if c["body"].startswith("<!-- dbreview:review -->")]
    assert len(found) == 1, f"expected one review comment, found {len(found)}"
    return found[0]
