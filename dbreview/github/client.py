"""The App's GitHub client: PyGithub authenticated as the App (`Auth.AppAuth`), then as an
installation, every call wrapped in the retry policy.

Nothing here knows about reviews: `RepositoryApi` offers the dozen REST calls the handlers
make, in and out as plain values (`dbreview.github.models`).
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from github import Auth, Github, GithubIntegration, UnknownObjectException
from github.Repository import Repository

from dbreview.errors import DbreviewError
from dbreview.github.models import CheckRunRef, Comment, PullFile, PullRequest
from dbreview.github.retry import RetryPolicy
from dbreview.settings import Settings

T = TypeVar("T")

MAX_PULL_FILES = 3000  # GitHub lists at most this many files of a pull request
CHECK_RUN_NAME = "dbreview"


@dataclass(frozen=True, slots=True)
class Pacing:
    """PyGithub's pauses between requests; its defaults (0.25 s, 1 s for writes) would make a
    review take seconds. Retries are ours (`RetryPolicy`), so PyGithub's are off."""

    timeout: int = 15
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 0.2

    def client_options(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "retry": 0, "lazy": True, "per_page": 100,
                "seconds_between_requests": self.seconds_between_requests,
                "seconds_between_writes": self.seconds_between_writes}


class BlobCache:
    """Blob contents by (repository, sha): immutable, so never stale. Bounded in bytes."""

    def __init__(self, capacity: int = 64 * 1024 * 1024) -> None:
        self._capacity = capacity
        self._size = 0
        self._entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_fetch(self, key: tuple[str, str], fetch: Callable[[], bytes]) -> bytes:
        with self._lock:
            if (content := self._entries.get(key)) is not None:
                self._entries.move_to_end(key)
                return content
        content = fetch()
        with self._lock:
            if key not in self._entries and len(content) <= self._capacity:
                self._entries[key] = content
                self._size += len(content)
                while self._size > self._capacity:
                    self._size -= len(self._entries.popitem(last=False)[1])
        return content


class GitHubApp:
    """The App's identity and its installations' clients, shared by every worker thread."""

    def __init__(self, *, app_id: int, private_key: str, api_url: str, retry: RetryPolicy,
                 pacing: Pacing) -> None:
        self.api_url = api_url
        self.retry = retry
        self._pacing = pacing
        self._auth = Auth.AppAuth(app_id, private_key)
        self._integration = GithubIntegration(auth=self._auth, base_url=api_url,
                                              **pacing.client_options())
        self._installations: dict[int, Auth.AppInstallationAuth] = {}
        self._lock = threading.Lock()
        self._bot_login: str | None = None
        self.blobs = BlobCache()

    @classmethod
    def from_settings(cls, settings: Settings, retry: RetryPolicy) -> GitHubApp:
        pacing = Pacing(timeout=settings.request_timeout,
                        seconds_between_requests=settings.seconds_between_requests,
                        seconds_between_writes=settings.seconds_between_writes)
        return cls(app_id=settings.app_id, private_key=settings.private_key_pem(),
                   api_url=settings.github_api_url, retry=retry, pacing=pacing)

    def bot_login(self) -> str:
        """The login of the App's own comments: `<slug>[bot]`."""
        if self._bot_login is None:
            app = self.retry.call(self._integration.get_app, "read the App's own name")
            self._bot_login = f"{app.slug}[bot]"
        return self._bot_login

    def repository(self, installation: int, full_name: str) -> RepositoryApi:
        client = Github(auth=self._installation_auth(installation), base_url=self.api_url,
                        **self._pacing.client_options())
        return RepositoryApi(client, full_name, self.retry, self.blobs)

    def _installation_auth(self, installation: int) -> Auth.AppInstallationAuth:
        # One per installation: it keeps its token and renews it shortly before it expires.
        with self._lock:
            if installation not in self._installations:
                self._installations[installation] = self._auth.get_installation_auth(
                    installation, requester=self._integration.requester)
            return self._installations[installation]


class RepositoryApi:
    """One repository, seen through one installation's token."""

    def __init__(self, client: Github, full_name: str, retry: RetryPolicy,
                 blobs: BlobCache) -> None:
        self.full_name = full_name
        self._client = client
        self._repo: Repository = client.get_repo(full_name)  # lazy: no request
        self._retry = retry
        self._blobs = blobs

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        return self._retry.call(operation, what)

    # Reading

    def pull(self, number: int) -> PullRequest:
        return self._call(f"read pull request #{number}", lambda: PullRequest.from_json(
            self._repo.get_pull(number).raw_data))

    def pull_files(self, number: int) -> list[PullFile]:
        def all_pages() -> list[PullFile]:
            files = []
            for file in self._repo.get_pull(number).get_files():
                files.append(PullFile(file.filename, file.status, file.previous_filename))
                if len(files) == MAX_PULL_FILES:
                    break
            return files

        return self._call(f"list the files of pull request #{number}", all_pages)

    def pulls_for_commit(self, sha: str) -> list[int]:
        return self._call(f"find the pull requests of {sha[:7]}", lambda: [
            pull.number for pull in self._repo.get_commit(sha).get_pulls()
            if pull.state == "open"])

    def tree(self, sha: str) -> dict[str, str]:
        """Every file of a commit: path → blob sha."""
        def read() -> dict[str, str]:
            tree = self._repo.get_git_tree(sha, recursive=True)
            if tree.raw_data.get("truncated"):
                raise TreeTooLarge(f"the file tree of {sha[:7]} is larger than GitHub lists "
                                   "in one answer (100,000 entries)")
            return {item.path: item.sha for item in tree.tree if item.type == "blob"}

        return self._call(f"read the file tree of {sha[:7]}", read)

    def blob(self, sha: str) -> bytes:
        def fetch() -> bytes:
            blob = self._repo.get_git_blob(sha)
            return base64.b64decode(blob.content) if blob.encoding == "base64" else \
                blob.content.encode()

        return self._blobs.get_or_fetch((self.full_name, sha), lambda: self._call(
            f"read blob {sha[:7]}", fetch))

    def comments(self, number: int) -> list[Comment]:
        return self._call(f"list the comments of #{number}", lambda: [
            Comment(comment.id, comment.body or "", comment.user.login,
                    comment.user.type == "Bot", comment.html_url)
            for comment in self._repo.get_issue(number).get_comments()])

    def permission(self, user: str) -> str:
        """admin, write (maintain counts as write), read or none."""
        def read() -> str:
            try:
                return self._repo.get_collaborator_permission(user)
            except UnknownObjectException:
                return "none"

        return self._call(f"read the permission of @{user}", read)

    def file_sha(self, path: str, branch: str) -> str | None:
        def read() -> str | None:
            try:
                found = self._repo.get_contents(path, ref=branch)
            except UnknownObjectException:
                return None
            return None if isinstance(found, list) else found.sha

        return self._call(f"look for {path}", read)

    # Writing

    def create_comment(self, number: int, body: str) -> Comment:
        def create() -> Comment:
            comment = self._repo.get_issue(number).create_comment(body)
            return Comment(comment.id, body, comment.user.login, True, comment.html_url)

        return self._call(f"comment on #{number}", create)

    def edit_comment(self, comment_id: int, body: str) -> None:
        self._call("update the comment", lambda: self._request(
            "PATCH", f"/issues/comments/{comment_id}", {"body": body}))

    def react(self, comment_id: int, content: str) -> None:
        self._call("react to the comment", lambda: self._request(
            "POST", f"/issues/comments/{comment_id}/reactions", {"content": content}))

    def create_check_run(self, head_sha: str, **fields: Any) -> CheckRunRef:
        def create() -> CheckRunRef:
            run = self._repo.create_check_run(name=CHECK_RUN_NAME, head_sha=head_sha, **fields)
            return CheckRunRef(run.id, run.html_url)

        return self._call("create the check run", create)

    def update_check_run(self, check_run: CheckRunRef, **fields: Any) -> None:
        self._call("update the check run", lambda: self._request(
            "PATCH", f"/check-runs/{check_run.id}", fields))

    def put_file(self, path: str, content: str, message: str, branch: str) -> None:
        sha = self.file_sha(path, branch)
        if sha is None:
            self._call(f"commit {path}", lambda: self._repo.create_file(
                path, message, content, branch=branch))
        else:
            self._call(f"commit {path}", lambda: self._repo.update_file(
                path, message, content, sha, branch=branch))

    def _request(self, method: str, path: str, body: dict[str, Any]) -> None:
        # By id, without PyGithub's extra GET to build the object first.
        self._client.requester.requestJsonAndCheck(method, f"{self._repo.url}{path}",
                                                   input=body)


class TreeTooLarge(DbreviewError):
    """A repository too large to mirror through the trees API."""
