"""Helpers for the command-line tests: run `dbreview` in-process and read what it printed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dbreview.cli import main

MIGRATIONS = "supabase/migrations"
# A tenant table that meets the tenancy conventions, so only the finding a test is about fails.
ORDERS_HISTORY = (
    "-- orders, each tenant sees its own\n"
    "CREATE TABLE orders (tenant_id uuid NOT NULL, id bigint, customer_id bigint,\n"
    "  PRIMARY KEY (tenant_id, id));\n"
    "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
    "CREATE POLICY orders_tenant ON orders\n"
    "  USING (tenant_id = (SELECT auth.jwt() ->> 'tenant_id')::uuid);\n"
)
# Line 2 takes a SHARE lock on the existing orders table: index-not-concurrent fires there.
INDEX_ON_ORDERS = "-- index orders by customer\nCREATE INDEX orders_customer_idx ON orders " \
    "(customer_id);\n"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.out)
        return document

    def findings(self) -> list[tuple[str, str, int]]:
        """(rule, path, line) of every finding in a `--format json` report."""
        return [(finding["rule"], report["path"], finding["line"])
                for report in self.json()["files"] for finding in report["findings"]]

    def rules(self) -> set[str]:
        return {rule for rule, _, _ in self.findings()}


@dataclass(frozen=True)
class Cli:
    """`dbreview` run in-process from a throwaway directory."""

    root: Path
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> Run:
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err, err
        return Run(code, out, err)

    def write(self, relative: str, content: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def orders_project(self) -> Path:
        """supabase/migrations with the orders table in history and an index on it after."""
        self.write(f"{MIGRATIONS}/20240101000000_orders.sql", ORDERS_HISTORY)
        return self.write(f"{MIGRATIONS}/20240201000000_orders_index.sql", INDEX_ON_ORDERS)


def cli_in(root: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.chdir(root)
    # Never let a repository around the temporary directory leak in (config, git root).
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    return Cli(root, capsys)


def one_line(message: str) -> str:
    """The single line the CLI prints for a usage, config or input error."""
    lines = message.strip().splitlines()
    assert len(lines) == 1, message
    assert lines[0].startswith("dbreview: "), message
    return lines[0]
