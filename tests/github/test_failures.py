"""GitHub failing, and reviews that cannot complete: retries with backoff honouring
Retry-After (writes included), and a check run that fails closed with the reason."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.github import FakeGitHub
from tests.fakes.service import Service, Waits
from tests.github.scenario import (
    HISTORY,
    INDEX_FILE,
    completed_run,
    deliver_opened,
    many_indexes,
    open_pull,
    sticky,
)


def test_a_server_error_then_success_is_retried(
        fake: FakeGitHub, service: Service, waits: Waits) -> None:
    fake.fail("POST", "/check-runs$", 500)
    fake.fail("GET", "/git/blobs/", 502)
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)

    assert completed_run(fake, repo, pull.head_sha)["conclusion"] == "failure"
    assert [call.status for call in fake.calls("POST", "/check-runs$")] == [500, 201]
    assert len(waits.seconds) == 2 and max(waits.seconds) <= 0.01  # backoff, not rate limits


def test_a_rate_limited_write_waits_as_long_as_retry_after_says(
        fake: FakeGitHub, service: Service, waits: Waits) -> None:
    fake.fail("POST", "/issues/\\d+/comments$", 403, headers={"Retry-After": "7"},
              message="You have exceeded a secondary rate limit")
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    deliver_opened(service, repo, pull)

    completed_run(fake, repo, pull.head_sha)

    assert waits.seconds == [7.0]
    assert [call.status for call in fake.calls("POST", "/comments$")] == [403, 201]
    assert sticky(fake, repo, pull)


def test_github_failing_throughout_fails_the_check_closed_with_the_reason(
        fake: FakeGitHub, service: Service, caplog: pytest.LogCaptureFixture) -> None:
    fake.fail("GET", "/git/trees/", 502, times=10)
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)})
    caplog.set_level(logging.INFO, logger="dbreview")
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "failure"
    assert "HTTP 502" in run["output"]["summary"]
    assert "Comment `/dbreview` on the pull request to retry." in run["output"]["summary"]
    failure = next(r for r in caplog.records if r.getMessage().startswith("review failed"))
    assert (failure.repository, failure.pr, failure.head_sha) == (  # type: ignore[attr-defined]
        repo.full_name, pull.number, pull.head_sha)
    assert failure.delivery  # type: ignore[attr-defined]


def test_a_broken_config_on_the_base_branch_fails_the_check_whatever_it_says(
        fake: FakeGitHub, service: Service) -> None:
    config = "on_error: neutral\nfail_onn: warning\n"
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)},
                           base={**HISTORY, ".github/dbreview.yml": config})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "failure"
    escaped = "unknown key 'fail\\_onn' \\(did you mean 'fail\\_on'?\\)"  # as Markdown text
    assert escaped in run["output"]["summary"]


def test_on_error_neutral_makes_an_incomplete_review_neutral(
        fake: FakeGitHub, service: Service) -> None:
    fake.fail("GET", "/pulls/\\d+/files$", 502, times=10)
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1)},
                           base={**HISTORY, ".github/dbreview.yml": "on_error: neutral\n"})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "neutral" and "HTTP 502" in run["output"]["summary"]


def test_the_config_comes_from_the_base_branch_not_the_pull_request(
        fake: FakeGitHub, service: Service) -> None:
    silenced = "rules:\n  index-not-concurrent: off\n"
    repo, pull = open_pull(fake, {INDEX_FILE: many_indexes(1),
                                  ".github/dbreview.yml": silenced})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)

    assert run["conclusion"] == "failure"
    assert any(a["title"] == "index-not-concurrent" for a in run["annotations"])
