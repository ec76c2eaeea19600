"""The real service (`create_app` under uvicorn, over HTTP on loopback) wired to the fake
GitHub, and signed deliveries to send it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from dbreview.github.retry import RetryPolicy
from dbreview.settings import Settings
from dbreview.web.app import create_app
from tests.fakes.github import FakeGitHub

APP_ID = 4242
WEBHOOK_SECRET = "webhook-secret-for-tests"


@cache
def app_key() -> tuple[str, str]:
    """A throwaway RSA key pair for the App's JWT: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Waits:
    """A retry policy's sleep that records what it was asked to wait, and does not wait."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def test_settings(api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": APP_ID, "private_key": SecretStr(app_key()[0]),
        "webhook_secret": SecretStr(WEBHOOK_SECRET), "github_api_url": api_url,
        "seconds_between_writes": 0.0, "workers": 2, **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Service:
    """`create_app(settings)` served by uvicorn in a thread on a free loopback port."""

    def __init__(self, settings: Settings, retry: RetryPolicy) -> None:
        config = uvicorn.Config(create_app(settings, retry=retry), host="127.0.0.1", port=0,
                                log_config=None, access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name="dbreview-service")
        self.url = ""
        self.http = httpx.Client(timeout=10)

    def start(self) -> None:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the service did not start")
            self._thread.join(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.http.close()
        self._server.should_exit = True
        self._thread.join(10)

    def deliver(self, event: str, payload: dict[str, Any], *, delivery: str | None = None,
                secret: str = WEBHOOK_SECRET) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                   "X-Hub-Signature-256": signature(body, secret),
                   "Content-Type": "application/json"}
        return self.http.post(f"{self.url}/webhook", content=body, headers=headers)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{self.url}{path}")


def run_service(fake: FakeGitHub, waits: Waits, **overrides: Any) -> Iterator[Service]:
    retry = RetryPolicy(attempts=4, backoff=0.001, max_backoff=0.01, sleep=waits)
    service = Service(test_settings(fake.url, **overrides), retry)
    service.start()
    try:
        yield service
    finally:
        service.stop()
