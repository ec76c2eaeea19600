"""`/dbreview …` commands, end to end: 👀 at once, permission from the collaborator API for
the commands that change the verdict or the branch, a reply when done."""

from __future__ import annotations

import pytest

from dbreview.github.commands import Name, parse_command
from dbreview.schema_docs import is_generated
from tests.fakes import payloads
from tests.fakes.github import FakeGitHub, Pull, Repo
from tests.fakes.service import Service
from tests.github.scenario import (
    INDEX_FILE,
    MIGRATIONS,
    bot_comments,
    completed_run,
    deliver_opened,
    many_indexes,
    open_pull,
    sticky,
)

TENANT_TABLE = (
    "-- invoices, each tenant sees its own\n"
    "CREATE TABLE invoices (tenant_id uuid NOT NULL, id bigint, order_id bigint,\n"
    "  PRIMARY KEY (tenant_id, id),\n"
    "  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id));\n"
    "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;\n"
)
TENANT_FILE = f"{MIGRATIONS}/20250601000000_invoices.sql"


def command(service: Service, fake: FakeGitHub, repo: Repo, pull: Pull, text: str, *,
            user: str = "alice", user_type: str = "User") -> str:
    """Post `text` as a comment, deliver it, and return the App's reply to it."""
    comment = repo.add_comment(pull.number, text, user=user, user_type=user_type)
    answer = service.deliver("issue_comment", payloads.issue_comment(repo, pull, comment))
    assert answer.status_code == 202, answer.text
    reply = fake.wait_until(lambda: [
        c for c in bot_comments(fake, repo, pull)
        if c["id"] > comment["id"] and c["body"].startswith(f"@{user} ")])
    assert (comment["id"], "eyes") in repo.reactions
    return str(reply[0]["body"])


@pytest.fixture
def reviewed(fake: FakeGitHub, service: Service) -> tuple[Repo, Pull]:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1), TENANT_FILE: TENANT_TABLE})
    deliver_opened(service, repo, pull)
    completed_run(fake, repo, pull.head_sha)
    return repo, pull


def test_review_runs_the_review_again_for_anyone(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    reply = command(service, fake, repo, pull, "/dbreview", user="bob")

    assert "reviewed again: **failure**" in reply
    assert len(repo.runs_for(pull.head_sha)) == 2
    assert not fake.calls("GET", "/collaborators/")


def test_ignore_with_write_access_is_recorded_and_changes_the_verdict(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    repo.permissions["alice"] = "write"
    reply = command(service, fake, repo, pull,
                    "/dbreview ignore index-not-concurrent orders is tiny, built in 40 ms")

    assert "accepted `index-not-concurrent`" in reply
    run = completed_run(fake, repo, pull.head_sha, count=2)
    body = sticky(fake, repo, pull)["body"]
    assert "<!-- dbreview:ignored " in body and "orders is tiny" in body
    assert not any(a["title"] == "index-not-concurrent" for a in run["annotations"])

    deliver_opened(service, repo, pull, action="reopened")  # a later review keeps it
    later = completed_run(fake, repo, pull.head_sha, count=3)
    assert not any(a["title"] == "index-not-concurrent" for a in later["annotations"])


def test_ignore_without_write_access_is_refused_and_changes_nothing(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    before = sticky(fake, repo, pull)["body"]
    reply = command(service, fake, repo, pull, "/dbreview ignore index-not-concurrent",
                    user="mallory")

    assert "needs write access" in reply and "Nothing was changed" in reply
    assert fake.calls("GET", "/collaborators/mallory/permission$")
    assert sticky(fake, repo, pull)["body"] == before
    assert len(repo.runs_for(pull.head_sha)) == 1


def test_ignore_of_an_unknown_rule_names_the_closest(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    repo.permissions["alice"] = "admin"
    reply = command(service, fake, repo, pull, "/dbreview ignore index-not-concurent")

    assert "did you mean `index-not-concurrent`?" in reply


def test_docs_with_write_access_commits_the_missing_stubs(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    repo.permissions["alice"] = "maintain"
    reply = command(service, fake, repo, pull, "/dbreview docs")

    assert "docs/schema/tables/invoices.md" in reply
    stub = repo.files_at(repo.branches[pull.head_ref])["docs/schema/tables/invoices.md"]
    assert is_generated(stub.decode()) and b"FROM public.invoices" in stub


def test_docs_when_the_app_may_only_read_contents_says_how_to_grant_it(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    repo.permissions["alice"] = "write"
    fake.fail("PUT", "/contents/", 403, message="Resource not accessible by integration")
    reply = command(service, fake, repo, pull, "/dbreview docs")

    assert "Contents: write" in reply
    assert [call.status for call in fake.calls("PUT")] == [403]


def test_docs_without_write_access_commits_nothing(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    reply = command(service, fake, repo, pull, "/dbreview docs", user="mallory")

    assert "needs write access" in reply
    assert not fake.calls("PUT")


def test_docs_on_a_fork_commits_nothing(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {TENANT_FILE: TENANT_TABLE}, fork="mallory/shop")
    repo.permissions["alice"] = "write"
    reply = command(service, fake, repo, pull, "/dbreview docs")

    assert "comes from a fork" in reply
    assert not fake.calls("PUT")


def test_explain_describes_the_tables_of_the_pull_request(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    reply = command(service, fake, repo, pull, "/dbreview explain", user="bob")

    assert "`public.invoices`" in reply and "`public.orders`" in reply
    assert "```mermaid" in reply


def test_explain_one_table_and_an_unknown_one(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    one = command(service, fake, repo, pull, "/dbreview explain invoices", user="bob")
    unknown = command(service, fake, repo, pull, "/dbreview explain invoice", user="bob")

    assert "`public.invoices`" in one and "`public.orders`" not in one.split("Relationships")[0]
    assert "no table 'invoice'" in unknown and "public\\.invoices" in unknown


def test_ask_answers_about_the_schema(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    reply = command(service, fake, repo, pull, "/dbreview ask which tables reference orders?",
                    user="bob")

    assert "public.invoices" in reply


def test_help_and_unknown_commands_list_the_commands(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    assert "/dbreview ignore <rule-id> [reason]" in command(service, fake, repo, pull,
                                                            "/dbreview help", user="bob")
    unknown = command(service, fake, repo, pull, "/dbreview frobnicate", user="bob")
    assert "`frobnicate` is not a dbreview command" in unknown and "/dbreview docs" in unknown


def test_comments_by_bots_and_by_the_app_itself_are_ignored(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    for user in (fake.bot_login, "renovate[bot]"):
        comment = repo.add_comment(pull.number, "/dbreview review", user=user, user_type="Bot")
        answer = service.deliver("issue_comment", payloads.issue_comment(repo, pull, comment))
        assert (answer.status_code, answer.json()) == (200, {"status": "ignored"})
    assert repo.reactions == []


def test_comments_without_a_command_are_ignored(
        fake: FakeGitHub, service: Service, reviewed: tuple[Repo, Pull]) -> None:
    repo, pull = reviewed
    comment = repo.add_comment(pull.number, "LGTM, but see /dbreview docs later")
    answer = service.deliver("issue_comment", payloads.issue_comment(repo, pull, comment))
    assert answer.json() == {"status": "ignored"}


@pytest.mark.parametrize(("text", "name", "argument"), [
    ("/dbreview", Name.REVIEW, ""),
    ("thanks!\n/dbreview review\n", Name.REVIEW, ""),
    ("/dbreview explain public.orders", Name.EXPLAIN, "public.orders"),
    ("/dbreview ask which tables reference users?", Name.ASK, "which tables reference users?"),
    ("/dbreview IGNORE drop-column unused since v2", Name.IGNORE, "drop-column unused since v2"),
    ("/dbreview docs", Name.DOCS, ""),
])
def test_parse_command(text: str, name: Name, argument: str) -> None:
    parsed = parse_command(text)
    assert parsed is not None and (parsed.name, parsed.argument) == (name, argument)


@pytest.mark.parametrize("text", ["LGTM", "> /dbreview docs", "see /dbreview docs",
                                  "/dbreviewer"])
def test_text_that_is_not_a_command(text: str) -> None:
    assert parse_command(text) is None
