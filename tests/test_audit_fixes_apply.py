"""The audit rules' suggested SQL, applied for real on top of the migration it fixes.

The canonical log function is exercised the way an application uses it: writes with and
without a signed-in user (request.jwt.claims), on tables with a uuid id, a bigint id and no id,
through an API role under row level security. Needs the PostgreSQL server of tests/pg.py;
skips with the reason when there is none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dbreview.rules.audit.canonical import log_setup_sql
from tests.pg import ScratchDatabase
from tests.support import assert_parses, findings_of, review_sql

ACTOR = "5b0c0a54-8d0e-4d43-9a3b-6a1b2f0c9e11"
INVOICE = "0f4b8c1e-7a55-4a57-b0a8-6d2d7b9c3f21"
LOG_SETUP = log_setup_sql(("public", "activity_log"), ("public", "log_activity"), with_table=True)


def _apply_with_fixes(pg: ScratchDatabase, tmp_path: Path, migration: str, rule: str,
                      history: Sequence[str] = (),
                      config: dict[str, Any] | None = None) -> list[str]:
    """Apply the history, the migration, then every suggested fix of `rule`, in order."""
    review = review_sql(tmp_path, migration, history=list(history), config=config)
    fixes = [finding.suggested_sql for finding in findings_of(review, rule)]
    assert fixes and all(fixes), f"{rule} suggested nothing"
    for sql in [*history, migration, *fixes]:
        assert sql is not None
        assert_parses(sql)
        pg.execute(sql)
    return [fix for fix in fixes if fix]


def _sign_in(pg: ScratchDatabase, claims: dict[str, Any] | str) -> None:
    value = claims if isinstance(claims, str) else json.dumps(claims)
    pg.execute(f"SELECT set_config('request.jwt.claims', '{value}', false)")


def _log(pg: ScratchDatabase, table: str) -> list[tuple[Any, ...]]:
    return pg.query(
        "SELECT action, record_id::text, actor_id::text, old_data, new_data FROM activity_log "
        f"WHERE table_name = '{table}' ORDER BY created_at, action")


def test_missing_trigger_fix_creates_a_working_log(pg: ScratchDatabase, tmp_path: Path) -> None:
    fixes = _apply_with_fixes(pg, tmp_path, """
        CREATE TABLE invoices (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), total numeric);
        CREATE TABLE notes (body text);
    """, "activity-trigger-missing")
    assert "CREATE TABLE IF NOT EXISTS public.activity_log" in fixes[0]
    assert all(fix.startswith("CREATE TRIGGER") for fix in fixes[1:])

    _sign_in(pg, {"sub": ACTOR, "role": "authenticated"})
    pg.execute(f"INSERT INTO invoices VALUES ('{INVOICE}', 10)")
    pg.execute("UPDATE invoices SET total = 12")
    pg.execute("DELETE FROM invoices")
    assert sorted(_log(pg, "public.invoices"), key=str) == sorted([
        ("INSERT", INVOICE, ACTOR, None, {"id": INVOICE, "total": 10}),
        ("UPDATE", INVOICE, ACTOR, {"id": INVOICE, "total": 10}, {"id": INVOICE, "total": 12}),
        ("DELETE", INVOICE, ACTOR, {"id": INVOICE, "total": 12}, None),
    ], key=str)


def test_rows_without_a_uuid_id_and_writes_without_a_user(pg: ScratchDatabase,
                                                          tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, """
        CREATE TABLE notes (body text);
        CREATE TABLE counters (id bigint PRIMARY KEY, hits int);
    """, "activity-trigger-missing")
    pg.execute("INSERT INTO notes VALUES ('no claims at all')")
    _sign_in(pg, "")
    pg.execute("INSERT INTO notes VALUES ('empty claims')")
    _sign_in(pg, {"role": "service_role"})
    pg.execute("INSERT INTO counters VALUES (7, 1)")
    _sign_in(pg, {"sub": "", "role": "anon"})
    pg.execute("UPDATE counters SET hits = 2")
    _sign_in(pg, {"sub": "not-a-uuid"})
    pg.execute("DELETE FROM notes WHERE body = 'empty claims'")

    assert sorted(_log(pg, "public.notes"), key=str) == sorted([
        ("INSERT", None, None, None, {"body": "no claims at all"}),
        ("INSERT", None, None, None, {"body": "empty claims"}),
        ("DELETE", None, None, {"body": "empty claims"}, None),
    ], key=str)
    assert sorted(_log(pg, "public.counters"), key=str) == sorted([
        ("INSERT", None, None, None, {"id": 7, "hits": 1}),
        ("UPDATE", None, None, {"id": 7, "hits": 1}, {"id": 7, "hits": 2}),
    ], key=str)


def test_an_api_role_is_logged_but_cannot_read_the_log(pg: ScratchDatabase,
                                                       tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, "CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);",
                      "activity-trigger-missing")
    pg.execute("GRANT INSERT, SELECT ON invoices, activity_log TO authenticated")
    _sign_in(pg, {"sub": ACTOR, "role": "authenticated"})
    pg.execute(f"SET ROLE authenticated; INSERT INTO invoices VALUES ('{INVOICE}', 5)")
    assert pg.query("SELECT count(*) FROM activity_log") == [(0,)]  # RLS, no policy
    pg.execute("RESET ROLE")
    assert pg.query("SELECT action, actor_id::text FROM activity_log") == [("INSERT", ACTOR)]


def test_a_configured_log_in_its_own_schema(pg: ScratchDatabase, tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, "CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);",
                      "activity-trigger-missing",
                      config={"audit": {"table": "audit.events", "function": "audit.record"}})
    pg.execute(f"INSERT INTO invoices VALUES ('{INVOICE}', 5)")
    assert pg.query("SELECT table_name, action FROM audit.events") == [
        ("public.invoices", "INSERT")]


def test_the_log_never_logs_itself_and_trigger_chains_are_kept(pg: ScratchDatabase,
                                                               tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, """
        CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);
        CREATE TABLE invoice_totals (id uuid PRIMARY KEY, total numeric);
    """, "activity-trigger-missing")
    # The misconfiguration activity-trigger-on-log reports, and a trigger writing another table.
    pg.execute("""
        CREATE TRIGGER activity_log_log AFTER INSERT ON activity_log
          FOR EACH ROW EXECUTE FUNCTION log_activity();
        CREATE FUNCTION copy_total() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO invoice_totals VALUES (NEW.id, NEW.total); RETURN NULL; END $$;
        CREATE TRIGGER invoices_copy AFTER INSERT ON invoices
          FOR EACH ROW EXECUTE FUNCTION copy_total();
    """)
    pg.execute(f"INSERT INTO invoices VALUES ('{INVOICE}', 3)")
    assert sorted(pg.query("SELECT table_name, record_id::text FROM activity_log")) == [
        ("public.invoice_totals", INVOICE), ("public.invoices", INVOICE)]


def test_incomplete_trigger_fix_applies_on_top_and_logs_each_change_once(
        pg: ScratchDatabase, tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, """
        CREATE TABLE invoices (id uuid PRIMARY KEY, total numeric);
        CREATE TRIGGER invoices_log BEFORE INSERT OR UPDATE ON invoices
          FOR EACH ROW EXECUTE FUNCTION log_activity();
    """, "activity-trigger-incomplete", history=[LOG_SETUP])
    pg.execute(f"INSERT INTO invoices VALUES ('{INVOICE}', 1); DELETE FROM invoices")
    assert sorted(row[0] for row in _log(pg, "public.invoices")) == ["DELETE", "INSERT"]


def test_shape_fix_adds_the_missing_columns(pg: ScratchDatabase, tmp_path: Path) -> None:
    _apply_with_fixes(pg, tmp_path, """
        CREATE TABLE activity_log (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          table_name text NOT NULL, record_id uuid, action text NOT NULL);
    """, "activity-log-shape")
    columns = pg.query("SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                       " WHERE table_name = 'activity_log' ORDER BY ordinal_position")
    assert columns[4:] == [("old_data", "jsonb", "YES"), ("new_data", "jsonb", "YES"),
                           ("actor_id", "uuid", "YES"),
                           ("created_at", "timestamp with time zone", "NO")]


def test_only_the_first_finding_carries_the_log_setup(tmp_path: Path) -> None:
    review = review_sql(tmp_path, "CREATE TABLE a (id uuid);\nCREATE TABLE b (id uuid);\n")
    first, second = (f.suggested_sql or "" for f in findings_of(review, "activity-trigger-missing"))
    assert "CREATE OR REPLACE FUNCTION public.log_activity()" in first
    assert second.startswith("CREATE TRIGGER b_log_activity")


def test_an_existing_log_table_is_not_created_again(tmp_path: Path) -> None:
    review = review_sql(tmp_path, "CREATE TABLE a (id uuid);",
                        history="CREATE TABLE activity_log (id uuid PRIMARY KEY);")
    (finding,) = findings_of(review, "activity-trigger-missing")
    assert finding.suggested_sql is not None
    assert "CREATE TABLE" not in finding.suggested_sql
    assert "CREATE OR REPLACE FUNCTION public.log_activity()" in finding.suggested_sql
