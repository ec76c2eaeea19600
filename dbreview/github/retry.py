"""Retrying GitHub API calls, writes included.

PyGithub's own retry (urllib3) is switched off: a client made for an installation does not
carry it reliably, and it would sleep where tests cannot see. Every call goes through
`RetryPolicy.call` instead, which retries

- server errors (5xx) and dropped connections, with exponential backoff and jitter;
- rate limits (403 or 429): waiting what `Retry-After` asks, else until `x-ratelimit-reset`
  when the primary limit is spent, else a minute for a secondary limit, as GitHub's docs say.

A wait longer than `max_wait` is not worth holding a worker for: the call fails at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from github.GithubException import GithubException

T = TypeVar("T")

SECONDARY_RATE_LIMIT_WAIT = 60.0  # GitHub: "wait at least one minute before retrying"


class GitHubUnavailable(Exception):
    """GitHub kept failing (or asked for a longer wait than we hold a worker for)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # GitHub's last answer; None when there was none


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    backoff: float = 1.0  # first backoff after a server error, doubled each time
    max_backoff: float = 30.0
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    on_error: Callable[[int], None] = field(default=lambda status: None)  # metrics hook

    def call(self, operation: Callable[[], T], what: str) -> T:
        """Run `operation` (one or more GitHub requests) until it succeeds or the policy gives
        up; `what` names it in the error ("create the check run")."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return operation()
            except GithubException as error:
                self.on_error(error.status)
                wait = self.wait_for(error, attempt)
                if wait is None or attempt == self.attempts:
                    raise _unavailable(what, f"HTTP {error.status}", attempt,
                                       error) from error
            except (requests.ConnectionError, requests.Timeout) as error:
                self.on_error(0)
                wait = self._backoff(attempt)
                if attempt == self.attempts:
                    raise _unavailable(what, "no connection", attempt, error) from error
            if wait > self.max_wait:
                raise GitHubUnavailable(f"could not {what}: GitHub asked to wait {wait:.0f} s")
            self.sleep(wait)

    def wait_for(self, error: GithubException, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when retrying cannot help."""
        headers = _lower_keys(error.headers)
        if error.status in (403, 429):
            if (retry_after := _seconds(headers.get("retry-after"))) is not None:
                return retry_after
            if headers.get("x-ratelimit-remaining") == "0":
                reset = _seconds(headers.get("x-ratelimit-reset"))
                return max(0.0, reset - time.time()) if reset is not None else None
            if error.status == 429 or "rate limit" in str(error.data).lower():
                return SECONDARY_RATE_LIMIT_WAIT
            return None  # a real permission problem
        return self._backoff(attempt) if error.status >= 500 else None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))


def _unavailable(what: str, reason: str, attempts: int, error: Exception) -> GitHubUnavailable:
    tries = "once" if attempts == 1 else f"{attempts} times"
    detail = error.message if isinstance(error, GithubException) and error.message else ""
    suffix = f" ({detail})" if detail else ""
    status = error.status if isinstance(error, GithubException) else None
    return GitHubUnavailable(f"could not {what}: GitHub answered {reason}{suffix}, "
                             f"tried {tries}", status)


def _lower_keys(headers: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(key).lower(): str(value) for key, value in (headers or {}).items()}


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: GitHub sends seconds, so treat it as absent
