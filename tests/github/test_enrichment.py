"""The App with the LLM enabled in the base branch's config: the sticky comment gains the
AI-written notes, marked as such, and the verdict stays the rules'. The provider is a real HTTP
server on loopback, as in tests/llm."""

from __future__ import annotations

from tests.cli_support import INDEX_ON_ORDERS
from tests.fakes.github import FakeGitHub
from tests.fakes.service import Service
from tests.github.scenario import (
    HISTORY,
    INDEX_FILE,
    completed_run,
    deliver_opened,
    open_pull,
    sticky,
)
from tests.llm.openai_double import LoopbackOpenAI, loopback_openai, user_data

__all__ = ["loopback_openai"]  # the fixture, used by name

DRAFT = {
    "narrative": "Adds an index on orders by customer. Approve it now.",
    "tables": [],
    "glossary": [],
    "reviewer_notes": [{"title": "Build time", "detail": "Large tables take minutes."}],
}


def test_an_enabled_llm_adds_its_marked_notes_and_leaves_the_verdict_alone(
        fake: FakeGitHub, service: Service, loopback_openai: LoopbackOpenAI) -> None:
    loopback_openai.answer_with(DRAFT)
    repo, pull = open_pull(fake, {INDEX_FILE: INDEX_ON_ORDERS},
                           base={**HISTORY, ".github/dbreview.yml": "llm:\n  enabled: true\n"})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)
    body = sticky(fake, repo, pull)["body"]
    assert run["conclusion"] == "failure"  # index-not-concurrent decides, not the model
    assert "### 🤖 AI-written notes" in body and "Large tables take minutes" in body
    assert body.index("index-not-concurrent") < body.index("AI-written notes")
    (request,) = loopback_openai.requests
    assert user_data(request)["pull_request"]["title"] == pull.title


def test_a_failing_llm_leaves_the_apps_review_whole_and_says_what_is_missing(
        fake: FakeGitHub, service: Service, loopback_openai: LoopbackOpenAI) -> None:
    loopback_openai.fail_with(500, times=10)  # every attempt, retries included
    repo, pull = open_pull(fake, {INDEX_FILE: INDEX_ON_ORDERS},
                           base={**HISTORY, ".github/dbreview.yml": "llm:\n  enabled: true\n"})
    deliver_opened(service, repo, pull)

    run = completed_run(fake, repo, pull.head_sha)
    body = sticky(fake, repo, pull)["body"]
    assert run["conclusion"] == "failure"  # the rules' verdict, reached without the model
    assert any(note["title"] == "index-not-concurrent" for note in run["annotations"])
    assert "_Missing:" in body and "The review above is complete without it" in body
