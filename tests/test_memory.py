"""What a review leaves behind in a process that lives on (the App reviews pull request after
pull request): no parse tree, and no frozen garbage."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbreview.commands.check import CheckRequest, build_review
from dbreview.sql.parse import Statement, parse_statements

MIGRATION = "supabase/migrations/20240101000000_orders.sql"


@pytest.fixture
def collector_off() -> Iterator[None]:
    """Only reference counting frees objects: what a cycle keeps alive stays visible."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_review_of_changed_paths_keeps_no_statement_alive(
        tmp_path: Path, collector_off: None) -> None:
    path = tmp_path / MIGRATION
    path.parent.mkdir(parents=True)
    path.write_text("-- orders\nCREATE TABLE orders (id bigint PRIMARY KEY);\n"
                    "CREATE INDEX orders_id_idx ON orders (id);\n")
    review = build_review(CheckRequest(paths=[], root=tmp_path, format="json",
                                       changed_paths=frozenset({MIGRATION})))
    assert review.files  # the review itself is kept; its sources are not
    assert not [item for item in gc.get_objects() if isinstance(item, Statement)]


def test_parsing_a_large_file_freezes_nothing_outside_the_cli(
        monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    statements = parse_statements("SELECT 1;\n" * 120_000)  # over a megabyte
    assert len(statements) == 120_000 and frozen == []
