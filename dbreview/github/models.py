"""The few facts the App reads from GitHub, as plain values (webhook payloads and REST answers
share these JSON shapes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """The pull request an event is about, and the installation that may act on it."""

    installation: int
    repository: str  # owner/name
    number: int

    def describe(self) -> str:
        return f"{self.repository}#{self.number}"


@dataclass(frozen=True, slots=True)
class PullRequest:
    repository: str
    number: int
    head_sha: str
    head_ref: str
    head_repository: str | None  # None when the fork was deleted
    base_sha: str
    base_ref: str
    draft: bool
    title: str
    body: str
    html_url: str
    state: str = "open"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PullRequest:
        head, base = data["head"], data["base"]
        return cls(
            repository=base["repo"]["full_name"], number=int(data["number"]),
            head_sha=head["sha"], head_ref=head["ref"],
            head_repository=(head.get("repo") or {}).get("full_name"),
            base_sha=base["sha"], base_ref=base["ref"], draft=bool(data.get("draft")),
            title=data.get("title") or "", body=data.get("body") or "",
            html_url=data.get("html_url") or "", state=data.get("state") or "open",
        )

    @property
    def repository_html_url(self) -> str:
        return self.html_url.rsplit("/pull/", 1)[0]

    @property
    def from_fork(self) -> bool:
        """The App may read a fork's commits through the base repository, never write to it."""
        return self.head_repository != self.repository


@dataclass(frozen=True, slots=True)
class PullFile:
    path: str
    status: str  # added, modified, removed, renamed, copied, changed, unchanged
    previous_path: str | None = None

    @property
    def present(self) -> bool:
        return self.status != "removed"


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    body: str
    author: str
    author_is_bot: bool
    html_url: str


@dataclass(frozen=True, slots=True)
class CheckRunRef:
    id: int
    html_url: str


@dataclass(frozen=True, slots=True)
class Ignore:
    """A rule accepted for one pull request by `/dbreview ignore`."""

    rule: str
    reason: str
    by: str  # GitHub login
    at: str  # ISO 8601, UTC
