"""The one fake GitHub REST API, served over real HTTP on loopback.

PyGithub talks to it through `base_url` as it would to api.github.com: every URL in its
answers carries the fake's own host and port, as PyGithub requires. It checks the App's JWT
(RS256, against the App's public key) and the installation tokens it issued, enforces GitHub's
limits that matter to dbreview (50 annotations per request, 65,535 characters of check-run
text, 65,536 of comment body, 100 items per page, 3,000 files per pull request), records every
request, and can be told to fail (`fail(...)`: a status, headers, how many times).

    with FakeGitHub(app_id=42, public_key=pem) as github:
        repo = github.add_repo("octo/shop")
        base = repo.commit({"supabase/migrations/1_init.sql": "CREATE TABLE t ();"})
        head = repo.commit({...}, parent=base)
        pull = repo.open_pull(base=base, head=head)
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

ANNOTATION_LIMIT = 50
CHECK_TEXT_LIMIT = 65_535
COMMENT_LIMIT = 65_536
PULL_FILES_LIMIT = 3000


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    message: str


@dataclass
class Hold:
    """A request kept waiting: `reached` is set when it arrives, it is answered once
    `release` is set."""

    method: str
    path: re.Pattern[str]
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Pull:
    number: int
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str
    draft: bool = False
    title: str = "Add migrations"
    body: str = ""
    state: str = "open"


@dataclass
class Repo:
    full_name: str
    fake: FakeGitHub
    trees: dict[str, dict[str, str]] = field(default_factory=dict)  # commit → path → blob
    blobs: dict[str, bytes] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    reactions: list[tuple[int, str]] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=dict)

    def commit(self, files: dict[str, str | bytes], *, parent: str | None = None,
               removed: tuple[str, ...] = (), branch: str | None = None) -> str:
        """A commit holding `parent`'s files, then `files` added or replaced, minus
        `removed`; returns its sha (and moves `branch` to it)."""
        with self.fake.lock:
            tree = dict(self.trees[parent]) if parent else {}
            for path, content in files.items():
                data = content.encode() if isinstance(content, str) else content
                sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                self.blobs[sha] = data
                tree[path] = sha
            for path in removed:
                tree.pop(path, None)
            sha = hashlib.sha1(json.dumps([parent, sorted(tree.items())]).encode()
                               + next(self.fake.counter).to_bytes(8, "big")).hexdigest()
            self.trees[sha] = tree
            if branch is not None:
                self.branches[branch] = sha
            return sha

    def open_pull(self, *, base: str, head: str, number: int | None = None,
                  head_ref: str = "feature", fork: str | None = None, draft: bool = False,
                  title: str = "Add migrations", body: str = "") -> Pull:
        with self.fake.lock:
            number = number or len(self.pulls) + 1
            self.branches.setdefault("main", base)
            self.branches[head_ref] = head
            pull = Pull(number, "main", base, head_ref, head, fork or self.full_name, draft,
                        title, body)
            self.pulls[number] = pull
            return pull

    def push(self, pull: Pull, files: dict[str, str | bytes],
             removed: tuple[str, ...] = ()) -> str:
        """A new commit on the pull request's branch (a `synchronize`)."""
        sha = self.commit(files, parent=pull.head_sha, removed=removed)
        with self.fake.lock:
            pull.head_sha = self.branches[pull.head_ref] = sha
        return sha

    def add_comment(self, number: int, body: str, *, user: str = "alice",
                    user_type: str = "User") -> dict[str, Any]:
        with self.fake.lock:
            return self._new_comment(number, body, user, user_type)

    def _new_comment(self, number: int, body: str, user: str, user_type: str
                     ) -> dict[str, Any]:
        comment_id = next(self.fake.counter)
        comment = {
            "id": comment_id, "body": body, "user": {"login": user, "type": user_type},
            "url": f"{self.fake.url}/repos/{self.full_name}/issues/comments/{comment_id}",
            "html_url": f"https://github.test/{self.full_name}/pull/{number}"
                        f"#issuecomment-{comment_id}",
            "issue_url": f"{self.fake.url}/repos/{self.full_name}/issues/{number}",
            "created_at": _now(), "updated_at": _now(), "number": number,
        }
        self.comments[comment_id] = comment
        return comment

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [dict(c) for c in self.comments.values() if c["number"] == number]

    def files_at(self, sha: str) -> dict[str, bytes]:
        with self.fake.lock:
            return {path: self.blobs[blob] for path, blob in self.trees[sha].items()}

    def runs_for(self, sha: str) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [json.loads(json.dumps(run)) for run in self.check_runs.values()
                    if run["head_sha"] == sha]

    # JSON shapes -------------------------------------------------------------------------

    def url(self, path: str = "") -> str:
        return f"{self.fake.url}/repos/{self.full_name}{path}"

    def repo_json(self, full_name: str | None = None) -> dict[str, Any]:
        name = full_name or self.full_name
        return {"full_name": name, "name": name.split("/")[1],
                "url": f"{self.fake.url}/repos/{name}", "fork": name != self.full_name,
                "owner": {"login": name.split("/")[0], "type": "User"}}

    def pull_json(self, pull: Pull) -> dict[str, Any]:
        return {
            "number": pull.number, "state": pull.state, "draft": pull.draft,
            "title": pull.title, "body": pull.body, "url": self.url(f"/pulls/{pull.number}"),
            "html_url": f"https://github.test/{self.full_name}/pull/{pull.number}",
            "head": {"sha": pull.head_sha, "ref": pull.head_ref,
                     "repo": self.repo_json(pull.head_repo)},
            "base": {"sha": pull.base_sha, "ref": pull.base_ref, "repo": self.repo_json()},
            "user": {"login": "alice", "type": "User"},
        }

    def pull_files(self, pull: Pull) -> list[dict[str, Any]]:
        base, head = self.trees[pull.base_sha], self.trees[pull.head_sha]
        files = []
        for path in sorted(base.keys() | head.keys()):
            if path not in head:
                status = "removed"
            elif path not in base:
                status = "added"
            elif base[path] != head[path]:
                status = "modified"
            else:
                continue
            files.append({"filename": path, "status": status,
                          "sha": head.get(path) or base[path],
                          "additions": 1, "deletions": 0, "changes": 1})
        return files[:PULL_FILES_LIMIT]


class FakeGitHub:
    def __init__(self, *, app_id: int, public_key: str, app_slug: str = "dbreview") -> None:
        self.app_id = app_id
        self.app_slug = app_slug
        self.bot_login = f"{app_slug}[bot]"
        self.public_key = public_key
        self.lock = threading.RLock()
        self.counter = itertools.count(1000)
        self.repos: dict[str, Repo] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.tokens: set[str] = set()
        self.url = ""
        self._server: ThreadingHTTPServer | None = None

    # Lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="fake-github").start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # Set-up and inspection -----------------------------------------------------------------

    def add_repo(self, full_name: str) -> Repo:
        repo = Repo(full_name, self)
        self.repos[full_name] = repo
        return repo

    def fail(self, method: str, path: str, status: int, *, times: int = 1,
             headers: dict[str, str] | None = None, message: str = "Server Error") -> None:
        """The next `times` requests `method path` (a regular expression searched in the
        path) answer `status` with `message`."""
        with self.lock:
            self.faults.append(Fault(method, re.compile(path), status, times, headers or {},
                                     message))

    def hold(self, method: str, path: str) -> Hold:
        """Keep the next request `method path` waiting until the test releases it."""
        held = Hold(method, re.compile(path))
        with self.lock:
            self.holds.append(held)
        return held

    def calls(self, method: str | None = None, path: str = "") -> list[Recorded]:
        with self.lock:
            return [call for call in self.requests
                    if (method is None or call.method == method) and re.search(path, call.path)]

    def wait_until(self, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if result := condition():
                    return result
            time.sleep(0.01)
        raise AssertionError(f"timed out after {timeout} s waiting for {condition}")

    # Request handling --------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes
               ) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(target)
        path = unquote(split.path)
        query = {key: values[-1] for key, values in parse_qs(split.query).items()}
        body = json.loads(raw) if raw else None
        with self.lock:
            held = next((h for h in self.holds
                         if h.method == method and h.path.search(path)), None)
            if held is not None:
                self.holds.remove(held)
        if held is not None:
            held.reached.set()
            held.release.wait(timeout=30)
        with self.lock:
            status, extra, answer = self._answer(method, path, query, headers, body)
            self.requests.append(Recorded(method, path, query, body, status))
        return status, extra, answer

    def _answer(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                body: Any) -> tuple[int, dict[str, str], Any]:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                return fault.status, fault.headers, {"message": fault.message}
        for route_method, pattern, action in _ROUTES:
            if route_method == method and (match := pattern.fullmatch(path)):
                denied = self._authorise(path, headers)
                if denied is not None:
                    return 401, {}, {"message": denied}
                return action(self, match.groupdict(), query, body)
        return 404, {}, {"message": "Not Found"}

    def _authorise(self, path: str, headers: dict[str, str]) -> str | None:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if path.startswith("/app"):
            try:
                claims = jwt.decode(credential, self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError:
                return "A JSON web token could not be decoded"
            return None if str(claims.get("iss")) == str(self.app_id) else "Bad issuer"
        return None if scheme.lower() in ("token", "bearer") and credential in self.tokens \
            else "Bad credentials"

    def repo(self, params: dict[str, str]) -> Repo:
        return self.repos[f"{params['owner']}/{params['repo']}"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Answer = tuple[int, dict[str, str], Any]


def _page(fake: FakeGitHub, path: str, items: list[Any], query: dict[str, str]) -> Answer:
    per_page = min(int(query.get("per_page", 30)), 100)
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * per_page: page * per_page]
    links = []
    last = max(1, -(-len(items) // per_page))
    if page < last:
        links.append(f'<{fake.url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
        links.append(f'<{fake.url}{path}?per_page={per_page}&page={last}>; rel="last"')
    return 200, ({"Link": ", ".join(links)} if links else {}), chunk


def _access_token(fake: FakeGitHub, params: dict[str, str], query: dict[str, str],
                  body: Any) -> Answer:
    token = f"ghs_{next(fake.counter):036d}"
    fake.tokens.add(token)
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return 201, {}, {"token": token, "expires_at": expires, "permissions": {}}


def _app(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any) -> Answer:
    return 200, {}, {"id": fake.app_id, "slug": fake.app_slug, "name": fake.app_slug,
                     "owner": {"login": "octo", "type": "Organization"}}


def _pull(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any) -> Answer:
    repo = fake.repo(params)
    pull = repo.pulls.get(int(params["number"]))
    return (200, {}, repo.pull_json(pull)) if pull else (404, {}, {"message": "Not Found"})


def _pull_files(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                ) -> Answer:
    repo = fake.repo(params)
    pull = repo.pulls[int(params["number"])]
    return _page(fake, f"/repos/{repo.full_name}/pulls/{pull.number}/files",
                 repo.pull_files(pull), query)


def _commit_pulls(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                  ) -> Answer:
    repo = fake.repo(params)
    pulls = [repo.pull_json(p) for p in repo.pulls.values() if p.head_sha == params["sha"]]
    return 200, {}, pulls


def _tree(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
          ) -> Answer:
    repo = fake.repo(params)
    tree = repo.trees.get(params["sha"])
    if tree is None:
        return 404, {}, {"message": "Not Found"}
    entries = [{"path": path, "mode": "100644", "type": "blob", "sha": sha,
                "size": len(repo.blobs[sha]), "url": repo.url(f"/git/blobs/{sha}")}
               for path, sha in sorted(tree.items())]
    return 200, {}, {"sha": params["sha"], "url": repo.url(f"/git/trees/{params['sha']}"),
                     "tree": entries, "truncated": False}


def _blob(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
          ) -> Answer:
    repo = fake.repo(params)
    data = repo.blobs.get(params["sha"])
    if data is None:
        return 404, {}, {"message": "Not Found"}
    return 200, {}, {"sha": params["sha"], "size": len(data), "encoding": "base64",
                     "content": base64.encodebytes(data).decode(),
                     "url": repo.url(f"/git/blobs/{params['sha']}")}


def _list_comments(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                   ) -> Answer:
    repo = fake.repo(params)
    number = int(params["number"])
    comments = [c for c in repo.comments.values() if c["number"] == number]
    return _page(fake, f"/repos/{repo.full_name}/issues/{number}/comments", comments, query)


def _too_long(text: str | None, limit: int, what: str) -> Answer | None:
    if text is not None and len(text) > limit:
        return 422, {}, {"message": "Validation Failed",
                         "errors": [{"message": f"{what} is too long (maximum is {limit})"}]}
    return None


def _create_comment(fake: FakeGitHub, params: dict[str, str], query: dict[str, str],
                    body: Any) -> Answer:
    if refused := _too_long(body["body"], COMMENT_LIMIT, "body"):
        return refused
    repo = fake.repo(params)
    return 201, {}, repo._new_comment(int(params["number"]), body["body"], fake.bot_login,
                                      "Bot")


def _edit_comment(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                  ) -> Answer:
    if refused := _too_long(body["body"], COMMENT_LIMIT, "body"):
        return refused
    comment = fake.repo(params).comments[int(params["id"])]
    if comment["user"]["login"] != fake.bot_login:
        return 403, {}, {"message": "Resource not accessible by integration"}
    comment.update(body=body["body"], updated_at=_now())
    return 200, {}, comment


def _react(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
           ) -> Answer:
    fake.repo(params).reactions.append((int(params["id"]), body["content"]))
    return 201, {}, {"id": next(fake.counter), "content": body["content"]}


def _permission(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                ) -> Answer:
    permission = fake.repo(params).permissions.get(params["user"], "read")
    return 200, {}, {"permission": permission, "role_name": permission,
                     "user": {"login": params["user"], "type": "User"}}


def _check_run_errors(body: dict[str, Any]) -> Answer | None:
    output = body.get("output") or {}
    if len(output.get("annotations") or []) > ANNOTATION_LIMIT:
        return 422, {}, {"message": "Validation Failed",
                         "errors": [{"message": "Only 50 annotations are allowed per request"}]}
    for key in ("summary", "text"):
        if refused := _too_long(output.get(key), CHECK_TEXT_LIMIT, f"output.{key}"):
            return refused
    return None


def _store_check_run(run: dict[str, Any], body: dict[str, Any]) -> None:
    for key in ("status", "conclusion", "started_at", "completed_at", "details_url", "name"):
        if key in body:
            run[key] = body[key]
    if "output" in body:
        output = dict(body["output"])
        annotations = output.pop("annotations", None) or []
        run["output"].update(output)
        run["annotations"].extend(annotations)
        run["output"]["annotations_count"] = len(run["annotations"])


def _create_check_run(fake: FakeGitHub, params: dict[str, str], query: dict[str, str],
                      body: Any) -> Answer:
    if refused := _check_run_errors(body):
        return refused
    repo = fake.repo(params)
    run_id = next(fake.counter)
    run: dict[str, Any] = {
        "id": run_id, "name": body["name"], "head_sha": body["head_sha"],
        "status": "queued", "conclusion": None, "url": repo.url(f"/check-runs/{run_id}"),
        "html_url": f"https://github.test/{repo.full_name}/runs/{run_id}",
        "output": {"title": None, "summary": None, "text": None, "annotations_count": 0},
        "annotations": [], "app": {"id": fake.app_id, "slug": fake.app_slug},
        "pull_requests": [],
    }
    _store_check_run(run, body)
    repo.check_runs[run_id] = run
    return 201, {}, run


def _update_check_run(fake: FakeGitHub, params: dict[str, str], query: dict[str, str],
                      body: Any) -> Answer:
    if refused := _check_run_errors(body):
        return refused
    run = fake.repo(params).check_runs[int(params["id"])]
    _store_check_run(run, body)
    return 200, {}, run


def _content_json(repo: Repo, path: str, sha: str) -> dict[str, Any]:
    return {"type": "file", "path": path, "name": path.rsplit("/", 1)[-1], "sha": sha,
            "encoding": "base64", "content": base64.b64encode(repo.blobs[sha]).decode(),
            "size": len(repo.blobs[sha]), "url": repo.url(f"/contents/{path}")}


def _get_content(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                 ) -> Answer:
    repo = fake.repo(params)
    ref = query.get("ref", "main")
    tree = repo.trees[repo.branches.get(ref, ref)]
    sha = tree.get(params["path"])
    if sha is None:
        return 404, {}, {"message": "Not Found"}
    return 200, {}, _content_json(repo, params["path"], sha)


def _put_content(fake: FakeGitHub, params: dict[str, str], query: dict[str, str], body: Any
                 ) -> Answer:
    repo = fake.repo(params)
    branch, path = body["branch"], params["path"]
    head = repo.branches[branch]
    if path in repo.trees[head] and body.get("sha") != repo.trees[head][path]:
        return 409, {}, {"message": f"{path} does not match {body.get('sha')}"}
    commit = repo.commit({path: base64.b64decode(body["content"])}, parent=head, branch=branch)
    for pull in repo.pulls.values():
        if pull.head_ref == branch and pull.head_repo == repo.full_name:
            pull.head_sha = commit
    content = _content_json(repo, path, repo.trees[commit][path])
    return 201, {}, {"content": content, "commit": {"sha": commit,
                                                    "url": repo.url(f"/git/commits/{commit}")}}


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = [
    (method, re.compile(pattern), action) for method, pattern, action in (
        ("POST", r"/app/installations/(?P<id>\d+)/access_tokens", _access_token),
        ("GET", r"/app", _app),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)", _pull),
        ("GET", _REPO + r"/pulls/(?P<number>\d+)/files", _pull_files),
        ("GET", _REPO + r"/commits/(?P<sha>\w+)/pulls", _commit_pulls),
        ("GET", _REPO + r"/git/trees/(?P<sha>\w+)", _tree),
        ("GET", _REPO + r"/git/blobs/(?P<sha>\w+)", _blob),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", _list_comments),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", _create_comment),
        ("PATCH", _REPO + r"/issues/comments/(?P<id>\d+)", _edit_comment),
        ("POST", _REPO + r"/issues/comments/(?P<id>\d+)/reactions", _react),
        ("GET", _REPO + r"/collaborators/(?P<user>[^/]+)/permission", _permission),
        ("POST", _REPO + r"/check-runs", _create_check_run),
        ("PATCH", _REPO + r"/check-runs/(?P<id>\d+)", _update_check_run),
        ("GET", _REPO + r"/contents/(?P<path>.+)", _get_content),
        ("PUT", _REPO + r"/contents/(?P<path>.+)", _put_content),
    )
]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's requests session expects

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, extra, answer = self.github.handle(self.command, self.path, headers, raw)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the recorded requests are the log

