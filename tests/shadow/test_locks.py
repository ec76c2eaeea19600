"""The static lock model against PostgreSQL: every statement of the locking rules' cases is
run by the shadow, and the lock it takes must be the lock the model predicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dbreview.impact import locks
from dbreview.impact.locks import LockMode
from dbreview.sql.nodes import Node, relation_name
from tests.shadow.locks_table import PAGE, Row, collect, file_rows, render
from tests.shadow.support import shadow, shadow_review
from tests.support import CHANGESET_VERSION, Project, review_changeset

# CONCURRENTLY cannot run inside a transaction, which is all this rule is about: its firing
# cases are checked against the server's refusal instead.
UNTRACEABLE_RULES = {"concurrently-in-transaction"}


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Row]]:
    with shadow() as session:
        yield collect(session, tmp_path_factory.mktemp("locking-cases"))


def test_every_traced_statement_takes_the_predicted_lock(rows: list[Row]) -> None:
    wrong = [f"{row.rule} / {row.case} / line {row.line}: predicted {row.predicted}, "
             f"observed {row.observed}" for row in rows if row.observed is not None
             and not row.matches]
    assert wrong == []


def test_every_locking_rule_has_traced_statements(rows: list[Row]) -> None:
    rules = {row.rule for row in rows}
    traced = {row.rule for row in rows if row.observed is not None}
    assert rules - traced == UNTRACEABLE_RULES
    assert len(traced) >= 14


def test_statements_left_untraced_say_why(rows: list[Row]) -> None:
    assert all(row.why for row in rows if row.observed is None)
    reasons = {row.why for row in rows if row.observed is None}
    assert "runs outside a transaction: its locks cannot be read" in reasons
    assert "fails (VACUUM cannot run inside a transaction block)" in reasons


def test_the_server_refuses_concurrently_where_the_rule_fires(rows: list[Row]) -> None:
    refused = [row for row in rows if row.rule in UNTRACEABLE_RULES and "CONCURRENTLY" in
               row.sql and "cannot run inside a transaction block" in row.why]
    assert {row.case for row in refused} >= {
        "CREATE INDEX CONCURRENTLY in a file the runner wraps in a transaction",
        "between BEGIN and COMMIT even where the file itself is not wrapped",
        "fails even on a table created in the same file"}


def test_docs_locks_page_is_current(rows: list[Row]) -> None:
    assert PAGE.read_text(encoding="utf-8") == render(rows), (
        "docs/locks.md is out of date: run `python -m tests.shadow.locks_table`")


def test_a_wrong_prediction_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the model to say CREATE INDEX takes SHARE UPDATE EXCLUSIVE, the comparison fails."""

    def wrong(collector: locks._Collector, node: Node) -> None:
        collector.add(relation_name(node["relation"]), LockMode.SHARE_UPDATE_EXCLUSIVE)

    monkeypatch.setitem(locks._ANALYZERS, "IndexStmt", wrong)
    project = Project(root=tmp_path, history=["CREATE TABLE orders (id bigint, note text);"],
                      changeset=[(f"{CHANGESET_VERSION}_index.sql",
                                  "CREATE INDEX orders_note_idx ON orders (note);")])
    with shadow() as session:
        changeset = review_changeset(project, shadow=session)
    (file,) = changeset.context.files
    run = changeset.context.shadow
    assert run is not None
    (row,) = file_rows("index-not-concurrent", "wrong model", file, run)
    assert row.observed == {"public.orders": (LockMode.SHARE, False)}
    assert not row.matches


def test_an_index_locked_access_exclusive_blocks_its_table_in_the_shadow_too(
        tmp_path: Path) -> None:
    # Planning any query on a table opens all its indexes: the observed facts must not turn a
    # REINDEX into "blocks nothing" because the server shows the ACCESS EXCLUSIVE on the index.
    changeset = shadow_review(tmp_path, "REINDEX INDEX orders_customer_idx;\n"
                              "ALTER INDEX orders_customer_idx SET (fillfactor = 80);\n",
                              history=["CREATE TABLE orders (id bigint PRIMARY KEY, "
                                       "customer_id bigint);",
                                       "CREATE INDEX orders_customer_idx ON orders "
                                       "(customer_id);"])
    assert changeset.review is not None
    reindex, option = changeset.review.files[0].facts
    assert (reindex.observed, reindex.lock, reindex.blocks) == (
        True, "ACCESS EXCLUSIVE", "reads and writes")
    assert (option.observed, option.lock, option.blocks) == (True, None, "nothing")
