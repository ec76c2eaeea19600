"""Scratch databases on the local PostgreSQL server, for tests that apply SQL for real.

The server comes from DBREVIEW_TEST_DSN (default: postgresql://postgres@127.0.0.1:5432/postgres).
Each scratch database is created fresh and dropped WITH (FORCE) afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from dbreview.shadow.shim import SUPABASE_SHIM

ADMIN_DSN = os.environ.get("DBREVIEW_TEST_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


class ScratchDatabase:
    def __init__(self, connection: Any, name: str) -> None:
        self.connection = connection
        self.name = name

    def execute(self, sql: str) -> None:
        """Run `sql` (any number of statements) and commit; raises on the first error."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
        self.connection.commit()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        self.connection.commit()
        return rows


def _connect(dsn: str) -> Any:
    psycopg = pytest.importorskip(
        "psycopg", reason="psycopg is not installed (pip install -e '.[dev]')"
    )
    try:
        return psycopg.connect(dsn, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server reachable at {dsn}: {str(error).strip()}")


@contextmanager
def scratch_database(shim: bool = True) -> Iterator[ScratchDatabase]:
    admin = _connect(ADMIN_DSN)
    admin.autocommit = True
    name = f"dbreview_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    connection = None
    try:
        base, _, _ = ADMIN_DSN.rpartition("/")
        connection = _connect(f"{base}/{name}")
        database = ScratchDatabase(connection, name)
        if shim:
            database.execute(SUPABASE_SHIM)
        yield database
    finally:
        if connection is not None:
            connection.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
