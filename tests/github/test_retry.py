"""How long the retry policy waits, for each way GitHub says "not now"."""

from __future__ import annotations

import time

import pytest
from github.GithubException import GithubException

from dbreview.github.retry import SECONDARY_RATE_LIMIT_WAIT, GitHubUnavailable, RetryPolicy
from tests.fakes.service import Waits


def error(status: int, headers: dict[str, str] | None = None,
          message: str = "Server Error") -> GithubException:
    return GithubException(status, {"message": message}, headers or {})


POLICY = RetryPolicy(backoff=1.0, max_backoff=8.0)


@pytest.mark.parametrize(("failure", "wait"), [
    (error(403, {"Retry-After": "30"}), 30.0),
    (error(429, {"retry-after": "5"}), 5.0),
    (error(403, message="You have exceeded a secondary rate limit"), SECONDARY_RATE_LIMIT_WAIT),
    (error(429), SECONDARY_RATE_LIMIT_WAIT),
    (error(403, message="Resource not accessible by integration"), None),
    (error(404, message="Not Found"), None),
    (error(422, message="Validation Failed"), None),
])
def test_wait_for_each_answer(failure: GithubException, wait: float | None) -> None:
    assert POLICY.wait_for(failure, attempt=1) == wait


def test_a_spent_primary_rate_limit_waits_until_it_resets() -> None:
    reset = time.time() + 42
    failure = error(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": f"{reset:.0f}"},
                    "API rate limit exceeded")
    wait = POLICY.wait_for(failure, attempt=1)
    assert wait is not None and 40 <= wait <= 43


def test_server_errors_back_off_exponentially_within_the_cap() -> None:
    waits = [POLICY.wait_for(error(502), attempt) for attempt in range(1, 7)]
    assert all(w is not None for w in waits)
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0  # type: ignore[operator]
    assert all(4.0 <= w <= 8.0 for w in waits[3:])  # type: ignore[operator]


def test_it_gives_up_after_its_attempts_naming_the_operation() -> None:
    waits = Waits()
    calls = []

    def failing() -> None:
        calls.append(1)
        raise error(500)

    policy = RetryPolicy(attempts=3, backoff=0.001, sleep=waits)
    with pytest.raises(GitHubUnavailable, match="could not create the check run: GitHub "
                       "answered HTTP 500.*, tried 3 times"):
        policy.call(failing, "create the check run")
    assert len(calls) == 3 and len(waits.seconds) == 2


def test_a_wait_longer_than_the_maximum_fails_at_once() -> None:
    waits = Waits()

    def limited() -> None:
        raise error(403, {"Retry-After": "3600"})

    with pytest.raises(GitHubUnavailable, match="asked to wait 3600 s"):
        RetryPolicy(max_wait=120, sleep=waits).call(limited, "comment")
    assert waits.seconds == []


def test_a_permission_error_is_not_retried() -> None:
    calls = []

    def forbidden() -> None:
        calls.append(1)
        raise error(403, message="Resource not accessible by integration")

    with pytest.raises(GitHubUnavailable, match="tried once"):
        RetryPolicy(sleep=Waits()).call(forbidden, "commit the stubs")
    assert len(calls) == 1
