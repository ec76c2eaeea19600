"""End to end: pull request deliveries sent to the real service over HTTP, GitHub faked on
loopback; what a user sees is what GitHub received."""

from __future__ import annotations

from pathlib import Path

from dbreview.commands.check import CheckRequest, build_review
from dbreview.render.markdown import render
from tests.fakes import payloads
from tests.fakes.github import COMMENT_LIMIT, FakeGitHub
from tests.fakes.service import Service
from tests.github.scenario import (
    HISTORY,
    INDEX_FILE,
    INDEX_LINE,
    MIGRATIONS,
    bot_comments,
    completed_run,
    deliver_opened,
    many_indexes,
    open_pull,
    sticky,
)


def test_opened_pull_request_gets_a_check_in_progress_a_comment_then_annotations(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: "-- index orders by customer\n"
                                  "CREATE INDEX orders_customer_idx ON orders (customer_id);\n"})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)
    writes = [(call.method, call.path.rsplit("/", 1)[-1]) for call in fake.calls()
              if call.method in ("POST", "PATCH") and "access_tokens" not in call.path]
    assert writes[0] == ("POST", "check-runs")
    assert fake.calls("POST", "/check-runs$")[0].body["status"] == "in_progress"
    assert writes.index(("POST", "comments")) < len(writes) - 1
    assert writes[-1][0] == "PATCH" and fake.calls("PATCH", "/check-runs/")[-1].body[
        "status"] == "completed"
    assert run["name"] == "dbreview" and run["conclusion"] == "failure"
    annotation = next(a for a in run["annotations"] if a["title"] == "index-not-concurrent")
    assert (annotation["path"], annotation["start_line"], annotation["annotation_level"]) == (
        INDEX_FILE, INDEX_LINE, "failure")
    body = sticky(fake, repo, pull)["body"]
    assert "index-not-concurrent" in body and pull.head_sha[:7] in body


def test_synchronize_edits_the_same_comment(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)
    completed_run(fake, repo, pull.head_sha)
    first = sticky(fake, repo, pull)

    new_head = repo.push(pull, {INDEX_FILE: "-- a note on each order\n"
                                "SET lock_timeout = '2s';\n"
                                "ALTER TABLE orders ADD COLUMN note text;\n"})
    deliver_opened(service, repo, pull, action="synchronize")
    run = completed_run(fake, repo, new_head)

    second = sticky(fake, repo, pull)
    assert second["id"] == first["id"] and new_head[:7] in second["body"]
    assert len(fake.calls("POST", "/issues/\\d+/comments$")) == 1
    assert "index-not-concurrent" not in second["body"]
    assert run["conclusion"] == "success"


def test_redelivery_of_the_same_delivery_id_does_nothing(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    payload = payloads.pull_request(repo, pull)
    assert service.deliver("pull_request", payload, delivery="d-1").status_code == 202
    completed_run(fake, repo, pull.head_sha)

    again = service.deliver("pull_request", payload, delivery="d-1")

    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert len(fake.calls("POST", "/check-runs$")) == 1


def test_pull_request_without_migrations_gets_a_successful_check_and_no_comment(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {"README.md": "# shop\n"}, base={})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "success" and run["output"]["title"] == "No migration changed"
    assert bot_comments(fake, repo, pull) == []


def test_pull_request_adding_only_a_dump_fails_on_the_dump(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {"backups/prod-2025-06-01.dump": "PGDMP"})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "failure"
    assert [(note["path"], note["title"]) for note in run["annotations"]] == [
        ("backups/prod-2025-06-01.dump", "backup-in-repo")]
    assert "backup-in-repo" in sticky(fake, repo, pull)["body"]


def test_removing_the_migrations_updates_the_earlier_comment(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)
    completed_run(fake, repo, pull.head_sha)

    new_head = repo.push(pull, {"README.md": "# shop\n"}, removed=(INDEX_FILE,))
    deliver_opened(service, repo, pull, action="synchronize")

    assert completed_run(fake, repo, new_head)["conclusion"] == "success"
    assert "no longer changes any migration" in sticky(fake, repo, pull)["body"]


def test_files_beyond_the_first_page_are_reviewed(fake: FakeGitHub, service: Service) -> None:
    notes = {f"docs/notes/{n:03d}.md": f"note {n}\n" for n in range(150)}
    repo, pull = open_pull(fake, {**notes, INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert [call.query.get("page", "1") for call in fake.calls("GET", "/files$")] == ["1", "2"]
    assert any(a["path"] == INDEX_FILE for a in run["annotations"])


def test_more_than_fifty_annotations_go_in_batches_of_fifty(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(120)})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    batches = [len(call.body["output"]["annotations"])
               for call in fake.calls("PATCH", "/check-runs/")]
    assert max(batches) == 50 and len(batches) >= 3
    lines = {a["start_line"] for a in run["annotations"] if a["title"] == "index-not-concurrent"}
    assert lines == set(range(2, 122))


def test_a_review_longer_than_a_comment_still_fits(
        fake: FakeGitHub, service: Service, tmp_path: Path) -> None:
    files = {f"{MIGRATIONS}/2025060100{n:04d}_indexes_{n}.sql": many_indexes(60)
             for n in range(12)}
    repo, pull = open_pull(fake, files)
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "failure"
    assert len(run["annotations"]) >= 720
    body = sticky(fake, repo, pull)["body"]
    assert len(body) <= COMMENT_LIMIT
    assert run["html_url"] in body  # the shortened comment points to the check run
    assert len(full_comment(tmp_path, files)) > 65_000


def full_comment(root: Path, files: dict[str, str]) -> str:
    """The comment the same pull request would get with no length limit."""
    for path, content in {**HISTORY, **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    review = build_review(CheckRequest(paths=[], root=root, changed_paths=frozenset(files)))
    return render(review, limit=10**7)


def test_draft_pull_requests_wait_until_ready(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)}, draft=True)
    deliver_opened(service, repo, pull)
    assert completed_run(fake, repo, pull.head_sha)["conclusion"] == "skipped"
    assert bot_comments(fake, repo, pull) == []

    pull.draft = False
    deliver_opened(service, repo, pull, action="ready_for_review")

    assert completed_run(fake, repo, pull.head_sha, count=2)["conclusion"] == "failure"
    assert sticky(fake, repo, pull)


def test_a_newer_push_supersedes_the_running_review(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    old_head = pull.head_sha
    held = fake.hold("GET", f"/git/trees/{old_head}$")
    deliver_opened(service, repo, pull)
    assert held.reached.wait(10)  # the review of the old head is running

    new_head = repo.push(pull, {INDEX_FILE: many_indexes(2)})
    deliver_opened(service, repo, pull, action="synchronize")
    completed_run(fake, repo, new_head)
    held.release.set()

    assert completed_run(fake, repo, old_head)["conclusion"] == "cancelled"
    body = sticky(fake, repo, pull)["body"]
    assert new_head[:7] in body and old_head[:7] not in body


def test_a_late_delivery_for_an_older_head_does_nothing(
        fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    old_head, old_payload = pull.head_sha, payloads.pull_request(repo, pull)
    new_head = repo.push(pull, {INDEX_FILE: many_indexes(2)})
    deliver_opened(service, repo, pull, action="synchronize")
    completed_run(fake, repo, new_head)
    reads = len(fake.calls("GET", "/pulls/1$"))

    assert service.deliver("pull_request", old_payload).status_code == 202  # arrives late

    fake.wait_until(lambda: len(fake.calls("GET", "/pulls/1$")) > reads)
    assert repo.runs_for(old_head) == []
    assert new_head[:7] in sticky(fake, repo, pull)["body"]


def test_a_fork_is_reviewed_from_the_base_repository(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)}, fork="mallory/shop")
    deliver_opened(service, repo, pull)

    assert completed_run(fake, repo, pull.head_sha)["conclusion"] == "failure"
    assert not fake.calls(path="^/repos/mallory/")


def test_check_run_rerequested_reviews_again(fake: FakeGitHub, service: Service) -> None:
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)
    run = completed_run(fake, repo, pull.head_sha)

    answer = service.deliver("check_run", payloads.check_run_rerequested(repo, run, []))

    assert answer.status_code == 202
    assert completed_run(fake, repo, pull.head_sha, count=2)["conclusion"] == "failure"
    assert fake.calls("GET", f"/commits/{pull.head_sha}/pulls$")
