"""The webhook endpoint and the service's other endpoints, over HTTP (review.md, "Running the
service": the answers are public)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes import payloads
from tests.fakes.github import FakeGitHub
from tests.fakes.service import Service, Waits, run_service, signature


def post(service: Service, body: bytes, headers: dict[str, str | bytes]
         ) -> tuple[int, dict[str, str]]:
    answer = service.http.post(f"{service.url}/webhook", content=body, headers=headers)
    return answer.status_code, answer.json()


def signed(body: bytes, event: str = "pull_request") -> dict[str, str | bytes]:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": signature(body)}


def test_ping_is_answered(service: Service) -> None:
    assert service.deliver("ping", payloads.PING).json() == {"status": "pong"}


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64, "sha1=abc", "sha256=é"])
def test_a_bad_or_missing_signature_is_401(service: Service, header: str | None) -> None:
    body = json.dumps(payloads.PING).encode()
    headers: dict[str, str | bytes] = {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header.encode("latin-1")  # any bytes may arrive
    status, answer = post(service, body, headers)
    assert status == 401 and "X-Hub-Signature-256" in answer["error"]


def test_a_signature_made_with_another_secret_is_401(service: Service) -> None:
    answer = service.deliver("ping", payloads.PING, secret="not-the-secret")
    assert answer.status_code == 401


def test_a_body_changed_after_signing_is_401(service: Service) -> None:
    body = json.dumps(payloads.PING).encode()
    assert post(service, body + b" ", signed(body, "ping"))[0] == 401


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_a_malformed_body_is_400(service: Service, body: bytes) -> None:
    status, answer = post(service, body, signed(body))
    assert status == 400 and "JSON object" in answer["error"]


def test_missing_event_headers_are_400(service: Service) -> None:
    body = b"{}"
    status, answer = post(service, body, {"X-Hub-Signature-256": signature(body)})
    assert status == 400 and "X-GitHub-Event" in answer["error"]


def test_a_payload_without_its_fields_is_400(service: Service) -> None:
    body = json.dumps({"action": "opened"}).encode()
    status, answer = post(service, body, signed(body))
    assert status == 400 and "pull_request" in answer["error"]


def test_events_without_work_are_200(service: Service) -> None:
    answer = service.deliver("pull_request", {"action": "labeled"})
    assert (answer.status_code, answer.json()) == (200, {"status": "ignored"})
    assert service.deliver("star", {"action": "created"}).json() == {"status": "ignored"}


@pytest.fixture
def small_service(fake: FakeGitHub, waits: Waits) -> Iterator[Service]:
    yield from run_service(fake, waits, max_body_bytes=1000)


def test_an_oversized_body_is_413_before_its_signature_is_checked(small_service: Service) -> None:
    body = json.dumps({"padding": "x" * 2000}).encode()
    status, answer = post(small_service, body, signed(body))
    assert status == 413 and "1000 bytes" in answer["error"]


def test_an_oversized_chunked_body_is_413(small_service: Service) -> None:
    body = json.dumps({"padding": "x" * 2000}).encode()
    answer = small_service.http.post(f"{small_service.url}/webhook",
                                     content=iter([body[:900], body[900:]]), headers=signed(body))
    assert answer.status_code == 413


def test_health_readiness_and_metrics(fake: FakeGitHub, service: Service) -> None:
    service.deliver("ping", payloads.PING)
    service.deliver("pull_request", {"action": "labeled"})

    assert service.get("/healthz").json() == {"status": "ok"}
    assert service.get("/readyz").json() == {"status": "ready"}
    metrics = service.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'dbreview_webhook_deliveries_total{event="ping",outcome="ping"} 1.0' in metrics.text
    assert ('dbreview_webhook_deliveries_total{event="pull_request",outcome="ignored"} 1.0'
            in metrics.text)
    for name in ("dbreview_reviews_total", "dbreview_review_duration_seconds",
                 "dbreview_github_api_errors_total", "dbreview_queue_depth"):
        assert f"# TYPE {name.removesuffix('_total')}" in metrics.text
