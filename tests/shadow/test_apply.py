"""apply-error: what the server refuses, at the statement's line, with the server's words; and
what it cannot judge (a missing extension, the sandbox's limits), which is no failure."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from dbreview.shadow import runner
from dbreview.shadow.model import ServerError
from dbreview.shadow.runner import Executor, Judge
from dbreview.shadow.server import Limits
from dbreview.sql.parse import parse_statements
from tests.pg import ADMIN_DSN
from tests.shadow.support import findings, shadow_review, shadow_run

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);"


def test_a_typo_is_an_apply_error_at_its_statement_with_the_server_message(
        tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, (
        "-- the amount of each order, indexed for reports\n"
        "ALTER TABLE orders ADD COLUMN amount numeric;\n"
        "\n"
        "CREATE INDEX orders_amount_idx\n"
        "  ON orders (amout);\n"), history=[ORDERS])
    ((line, message),) = findings(changeset, "apply-error")
    assert line == 4
    assert 'column "amout" does not exist' in message
    assert f"on PostgreSQL {shadow_run(changeset).server_version}" in message


def test_the_whole_wrapped_file_is_undone_so_nothing_of_it_is_observed(tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, "ALTER TABLE orders ADD COLUMN note text;\n"
                              "ALTER TABLE orderz ADD COLUMN note text;\n", history=[ORDERS])
    assert [line for line, _ in findings(changeset, "apply-error")] == [2]
    assert shadow_run(changeset).traces == []
    assert changeset.review is not None
    assert not any(facts.observed for facts in changeset.review.files[0].facts)


def test_concurrently_inside_the_runners_transaction_is_refused(tmp_path: Path) -> None:
    changeset = shadow_review(
        tmp_path, "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
        history=[ORDERS])
    ((line, message),) = findings(changeset, "apply-error")
    assert line == 1 and "cannot run inside a transaction block" in message


def test_concurrently_outside_a_transaction_applies_but_cannot_be_observed(
        tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, (
        "-- dbreview:no-transaction\n"
        "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n"
        "ALTER TABLE orders ADD COLUMN note text;\n"), history=[ORDERS])
    assert findings(changeset, "apply-error") == []
    assert changeset.review is not None
    facts = {item.line: item for item in changeset.review.files[0].facts}
    assert not facts[2].observed and facts[2].lock == "SHARE UPDATE EXCLUSIVE"
    assert facts[3].observed and facts[3].lock == "ACCESS EXCLUSIVE"


def test_a_missing_extension_is_not_verifiable_here_not_a_failure(tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, (
        "CREATE EXTENSION IF NOT EXISTS pg_cron;\n"
        "SELECT cron.schedule('nightly-cleanup', '0 3 * * *', 'DELETE FROM orders');\n"
        "CREATE INDEX orders_customer_idx ON orders (custmer_id);\n"), history=[ORDERS])
    assert [line for line, _ in findings(changeset, "apply-error")] == [3]
    notes = {note.line: note.reason for note in shadow_run(changeset).unverifiable}
    assert sorted(notes) == [1, 2]
    assert 'extension "pg_cron" is not available' in notes[1]
    assert 'schema "cron" does not exist' in notes[2]


def test_what_the_sandbox_role_may_not_do_is_not_verifiable(tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, "CREATE ROLE reporting NOLOGIN;\n"
                              "GRANT SELECT ON orders TO reporting;\n", history=[ORDERS])
    assert findings(changeset, "apply-error") == []
    assert [note.line for note in shadow_run(changeset).unverifiable] == [1, 2]


def test_statements_flagged_dangerous_are_never_sent(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    original = Executor.run

    def recording(self: Executor, sql: str) -> object:
        sent.append(sql)
        return original(self, sql)

    monkeypatch.setattr(Executor, "run", recording)
    changeset = shadow_review(tmp_path, (
        "COPY orders FROM PROGRAM 'curl https://example.com/orders.csv';\n"
        "ALTER SYSTEM SET work_mem = '1GB';\n"
        "CREATE FUNCTION hostname() RETURNS text LANGUAGE sql\n"
        "  AS $$ SELECT pg_read_file('/etc/hostname') $$;\n"
        "ALTER TABLE orders ADD COLUMN note text;\n"), history=[ORDERS])
    assert not any("PROGRAM" in sql or "SYSTEM" in sql or "pg_read_file" in sql for sql in sent)
    assert "ALTER TABLE orders ADD COLUMN note text" in sent
    assert findings(changeset, "apply-error") == []
    assert [note.line for note in shadow_run(changeset).unverifiable] == [1, 2, 3]


def test_a_statement_past_the_timeout_is_cancelled_on_the_server(tmp_path: Path) -> None:
    changeset = shadow_review(tmp_path, "SELECT pg_sleep(30);", history=[ORDERS],
                              limits=Limits(statement_timeout=0.5))
    ((_, message),) = findings(changeset, "apply-error")
    assert "ran past the shadow server's 0.5 s statement_timeout" in message
    with psycopg.connect(ADMIN_DSN) as admin:
        assert admin.execute("SELECT count(*) FROM pg_stat_activity "
                             "WHERE query = 'SELECT pg_sleep(30)'").fetchone() == (0,)


def test_a_migration_that_turns_the_timeout_off_is_still_cancelled_on_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_GRACE", 0.5)
    changeset = shadow_review(tmp_path, (
        "SET statement_timeout = 0;\n"
        "SELECT set_config('statement_timeout', '0', false);\n"
        "SELECT pg_sleep(30);\n"), history=[ORDERS], limits=Limits(statement_timeout=0.5))
    assert [line for line, _ in findings(changeset, "apply-error")] == [3]


def test_only_what_an_unrun_statement_would_have_made_excuses_an_error() -> None:
    judge = Judge(server_major=15, production_major=17)
    (extension, table, typo) = parse_statements(
        "CREATE EXTENSION vector;\n"
        "CREATE TABLE public.docs (embedding vector(3));\n"
        "CREATE INDEX ON public.orders (amout);\n")
    assert judge.unverifiable(extension, ServerError("0A000", 'extension "vector" is not '
                                                     "available"))
    assert judge.unverifiable(table, ServerError("42704", "type vector does not exist"))
    assert judge.unverifiable(typo, ServerError("42703", 'column "amout" does not exist')) is None
    assert judge.unverifiable(typo, ServerError(
        "42P01", 'relation "public.orders" does not exist')) is None
    assert judge.unverifiable(typo, ServerError(
        "42P01", 'relation "public.docs" does not exist')) is not None
    reason = judge.unverifiable(typo, ServerError("42601", 'syntax error at or near "("'))
    assert reason is not None and "PostgreSQL 15, production 17" in reason
