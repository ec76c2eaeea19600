"""Shared fixtures: a scratch PostgreSQL database with a Supabase shim."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg import ScratchDatabase, scratch_database


@pytest.fixture
def pg() -> Iterator[ScratchDatabase]:
    """A fresh database on the local server with Supabase's auth functions and roles.

    Skips (with the reason) when no PostgreSQL server is reachable.
    """
    with scratch_database() as database:
        yield database
