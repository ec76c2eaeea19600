"""The OpenAI chat-completions API faked two ways, both with realistic response bodies: respx
for the library (an `Llm` whose httpx client respx intercepts; the SDK's own client is httpx2,
which respx cannot see), and a real HTTP server on loopback for the command line."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from dbreview.config import LlmConfig
from dbreview.llm import Llm
from dbreview.llm.settings import LlmSettings

BASE_URL = "https://llm.example.test/v1"
MODEL = "gpt-4o-mini"
API_KEY = "sk-test-0000000000000000000000000000"


def completion(content: str | None, *, refusal: str | None = None,
               finish_reason: str = "stop") -> dict[str, Any]:
    """A chat.completion body, as api.openai.com sends it for structured output."""
    return {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal,
                        "annotations": []},
            "logprobs": None,
            "finish_reason": finish_reason,
        }],
        "usage": {
            "prompt_tokens": 1817, "completion_tokens": 412, "total_tokens": 2229,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
    }


def structured_answer(payload: dict[str, Any]) -> httpx.Response:
    """A 200 whose message is `payload` as the JSON text structured output returns."""
    return httpx.Response(200, json=completion(json.dumps(payload)))


def refusal() -> httpx.Response:
    return httpx.Response(200, json=completion(
        None, refusal="I'm sorry, but I can't assist with that request."))


def rate_limited() -> httpx.Response:
    # retry-after-ms keeps the SDK's backoff short; the SDK honours it as the real API sends it.
    return httpx.Response(429, headers={"retry-after-ms": "10", "x-request-id": "req_429"},
                          json={"error": {
                              "message": "Rate limit reached for gpt-4o-mini in organization "
                                         "org-test on tokens per min (TPM): Limit 200000, "
                                         "Used 199800, Requested 2229.",
                              "type": "tokens", "param": None, "code": "rate_limit_exceeded"}})


def server_error() -> httpx.Response:
    return httpx.Response(500, headers={"retry-after-ms": "10"}, json={"error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error", "param": None, "code": None}})


@pytest.fixture
def openai_api() -> Iterator[respx.Router]:
    """The provider's API; a request to any other URL fails the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


def chat(router: respx.Router) -> respx.Route:
    return router.post("/chat/completions")


def sent_bodies(route: respx.Route) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


def user_data(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of data a request's user message carries."""
    (user,) = [message for message in body["messages"] if message["role"] == "user"]
    document: dict[str, Any] = json.loads(user["content"])
    return document


def make_llm(config: LlmConfig, cache_dir: Path) -> Llm:
    settings = LlmSettings(api_key=API_KEY, base_url=BASE_URL, model=None, cache_dir=cache_dir)
    return Llm(config, settings, http_client=httpx.AsyncClient())


def enabled(**settings: Any) -> LlmConfig:
    return LlmConfig(enabled=True, **settings)


class LoopbackOpenAI:
    """A real HTTP server on 127.0.0.1 that answers chat completions in turn, for the command
    line, where the SDK uses its own HTTP client (httpx2) and respx cannot step in."""

    def __init__(self) -> None:
        self.responses: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("content-length", "0"))
                double.requests.append(json.loads(self.rfile.read(length)))
                status, body = double.responses.pop(0) if double.responses else (500, {})
                encoded = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(encoded)))
                self.send_header("retry-after-ms", "10")
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def answer_with(self, *payloads: dict[str, Any]) -> None:
        self.responses += [(200, completion(json.dumps(payload))) for payload in payloads]

    def fail_with(self, status: int, times: int) -> None:
        self.responses += [(status, {"error": {"message": "The server had an error.",
                                               "type": "server_error"}})] * times


@pytest.fixture
def loopback_openai(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                    ) -> Iterator[LoopbackOpenAI]:
    """The provider on loopback, named by the environment as a deployment would."""
    double = LoopbackOpenAI()
    double.thread.start()
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", double.base_url)
    monkeypatch.setenv("DBREVIEW_LLM_CACHE_DIR", str(tmp_path / "llm-cache"))
    monkeypatch.delenv("DBREVIEW_LLM_MODEL", raising=False)
    try:
        yield double
    finally:
        double.server.shutdown()
        double.server.server_close()
        double.thread.join()
