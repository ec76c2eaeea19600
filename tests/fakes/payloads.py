"""Minimal webhook payloads, shaped like GitHub's (only the fields dbreview reads, and a few
around them)."""

from __future__ import annotations

from typing import Any

from tests.fakes.github import Pull, Repo

INSTALLATION = 77


def _repository(repo: Repo) -> dict[str, Any]:
    return repo.repo_json()


def pull_request(repo: Repo, pull: Pull, action: str = "opened", **extra: Any
                 ) -> dict[str, Any]:
    return {"action": action, "number": pull.number, "pull_request": repo.pull_json(pull),
            "repository": _repository(repo), "installation": {"id": INSTALLATION},
            "sender": {"login": "alice", "type": "User"}, **extra}


def issue_comment(repo: Repo, pull: Pull, comment: dict[str, Any]) -> dict[str, Any]:
    issue_url = repo.url(f"/issues/{pull.number}")
    return {
        "action": "created",
        "issue": {"number": pull.number, "url": issue_url, "title": pull.title,
                  "pull_request": {"url": repo.url(f"/pulls/{pull.number}"),
                                   "html_url": "", "diff_url": "", "patch_url": "",
                                   "merged_at": None}},
        "comment": comment, "repository": _repository(repo),
        "installation": {"id": INSTALLATION},
        "sender": {"login": comment["user"]["login"], "type": comment["user"]["type"]},
    }


def check_run_rerequested(repo: Repo, run: dict[str, Any], numbers: list[int]
                          ) -> dict[str, Any]:
    return {
        "action": "rerequested",
        "check_run": {**run, "pull_requests": [{"number": number} for number in numbers]},
        "repository": _repository(repo), "installation": {"id": INSTALLATION},
        "sender": {"login": "alice", "type": "User"},
    }


PING = {"zen": "Design for failure.", "hook_id": 1, "hook": {"app_id": 4242, "type": "App"}}
