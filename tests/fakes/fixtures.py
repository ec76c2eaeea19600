"""pytest fixtures for the App's tests: the fake GitHub, the service in front of it, and the
waits its retry policy was asked for. Imported by tests/github and tests/web conftests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.github import FakeGitHub
from tests.fakes.service import APP_ID, Service, Waits, app_key, run_service


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(app_id=APP_ID, public_key=app_key()[1]) as github:
        yield github


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def service(fake: FakeGitHub, waits: Waits) -> Iterator[Service]:
    yield from run_service(fake, waits)
