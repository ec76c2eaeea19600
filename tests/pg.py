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

ADMIN_DSN = os.environ.get("DBREVIEW_TEST_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

# What Supabase gives every project and migrations rely on: the API roles and auth helpers that
# read the request's JWT claims.
SUPABASE_SHIM = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN BYPASSRLS;
  END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE IF NOT EXISTS auth.users (id uuid PRIMARY KEY, email text,
  raw_user_meta_data jsonb, raw_app_meta_data jsonb);
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS
  $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT nullif(auth.jwt() ->> 'sub', '')::uuid $$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT auth.jwt() ->> 'role' $$;
CREATE OR REPLACE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS
  $$ SELECT auth.jwt() ->> 'email' $$;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
"""


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
