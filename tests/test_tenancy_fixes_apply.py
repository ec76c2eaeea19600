"""The SQL that tenancy and isolation findings suggest runs on PostgreSQL and does what it says.

Each test reviews a migration with one deviation, takes the finding's suggested SQL and applies
it on a scratch database (with Supabase's auth helpers and roles) on top of the migration it
fixes, or in place of the statement it rewrites, then checks the effect in the catalogs and,
for policies, what a signed-in user of each tenant can see and write.
Skips when no PostgreSQL server is reachable (see tests/pg.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dbreview.review.model import Finding
from dbreview.sql.parse import parse_statements
from tests.pg import ScratchDatabase
from tests.support import findings_of, review_sql

TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001"
TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002"

TENANTS = """
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL,
  plan text NOT NULL DEFAULT 'free', billing_status text NOT NULL DEFAULT 'trial',
  limits jsonb NOT NULL DEFAULT '{}');
"""
PROJECTS = """
CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  slug text NOT NULL,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO authenticated;
"""
SEED = f"""
INSERT INTO tenants (id, name) VALUES ('{TENANT_A}', 'a'), ('{TENANT_B}', 'b');
INSERT INTO projects (tenant_id, slug) VALUES ('{TENANT_A}', 'a-1'), ('{TENANT_B}', 'b-1');
"""


@pytest.fixture
def db(pg: ScratchDatabase) -> ScratchDatabase:
    """The scratch database, where API roles may call the auth helpers as on Supabase."""
    pg.execute("GRANT USAGE ON SCHEMA auth TO anon, authenticated")
    return pg


def only_finding(tmp_path: Path, sql: str, rule: str, **options: Any) -> Finding:
    (finding,) = findings_of(review_sql(tmp_path, sql, **options), rule)
    assert finding.suggested_sql, f"{rule} suggested no SQL: {finding.message}"
    return finding


def fixed_in_place(sql: str, finding: Finding) -> str:
    """The migration with the statement the finding points at replaced by its suggestion."""
    for statement in parse_statements(sql):
        if statement.span.line == finding.line:
            assert finding.suggested_sql is not None
            return sql.replace(statement.text + ";", finding.suggested_sql, 1)
    raise AssertionError(f"no statement at line {finding.line}")


def as_user(db: ScratchDatabase, claims: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    """Run `sql` as Supabase's authenticated role with these JWT claims, then roll back."""
    try:
        with db.connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE authenticated")
            cursor.execute("SELECT set_config('request.jwt.claims', %s, true)",
                           (json.dumps(claims),))
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        db.connection.rollback()


def as_user_of(db: ScratchDatabase, tenant: str, sql: str) -> list[tuple[Any, ...]]:
    """As a user whose id is the tenant's (the default tenancy.policy_expression)."""
    return as_user(db, {"sub": tenant, "role": "authenticated"}, sql)


def visible_slugs(db: ScratchDatabase, tenant: str) -> list[str]:
    return [row[0] for row in as_user_of(db, tenant, "SELECT slug FROM projects ORDER BY slug")]


def assert_tenant_isolation(db: ScratchDatabase) -> None:
    """Each tenant's user reads, writes and deletes only their tenant's rows."""
    assert visible_slugs(db, TENANT_A) == ["a-1"]
    assert visible_slugs(db, TENANT_B) == ["b-1"]
    with pytest.raises(Exception, match="row-level security"):
        as_user_of(db, TENANT_A,
                   f"INSERT INTO projects (tenant_id, slug) VALUES ('{TENANT_B}', 'x')")
    assert as_user_of(db, TENANT_A, "DELETE FROM projects WHERE slug = 'b-1' RETURNING id") == []
    assert as_user_of(db, TENANT_A, "UPDATE projects SET slug = 'z' RETURNING slug") == [("z",)]


def policy_commands(db: ScratchDatabase, table: str) -> list[str]:
    rows = db.query(f"SELECT cmd FROM pg_policies WHERE tablename = '{table}' ORDER BY cmd")
    return [row[0] for row in rows]


def test_rls_not_enabled_fix_enables_rls_and_isolates_tenants(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS
    finding = only_finding(tmp_path, migration, "rls-not-enabled")
    db.execute(migration + SEED)
    db.execute(finding.suggested_sql or "")
    assert db.query("SELECT relrowsecurity FROM pg_class WHERE relname = 'projects'") == [(True,)]
    assert policy_commands(db, "projects") == ["DELETE", "INSERT", "SELECT", "UPDATE"]
    assert_tenant_isolation(db)


def test_policies_from_app_metadata_expression_apply_and_isolate(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    expression = "((select auth.jwt()) -> 'app_metadata' ->> 'tenant_id')::uuid"
    migration = TENANTS + PROJECTS
    finding = only_finding(tmp_path, migration, "rls-not-enabled",
                           config={"tenancy": {"policy_expression": expression}})
    db.execute(migration + SEED)
    db.execute(finding.suggested_sql or "")
    claims = {"sub": TENANT_B, "app_metadata": {"tenant_id": TENANT_A}}
    assert as_user(db, claims, "SELECT slug FROM projects") == [("a-1",)]


def test_rls_policy_missing_fix_adds_the_missing_commands(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS + """
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_select ON projects FOR SELECT TO authenticated
  USING (tenant_id = (select auth.uid()));
"""
    finding = only_finding(tmp_path, migration, "rls-policy-missing")
    db.execute(migration + SEED)
    db.execute(finding.suggested_sql or "")
    assert policy_commands(db, "projects") == ["DELETE", "INSERT", "SELECT", "UPDATE"]
    assert_tenant_isolation(db)


def test_rls_policy_not_tenant_scoped_fix_isolates_tenants(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS + """
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_all ON projects FOR ALL TO authenticated
  USING ((select auth.uid()) IS NOT NULL);
"""
    finding = only_finding(tmp_path, migration, "rls-policy-not-tenant-scoped")
    db.execute(fixed_in_place(migration, finding) + SEED)
    assert_tenant_isolation(db)


def test_rls_auth_per_row_fix_evaluates_the_call_once(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS + """
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_all ON projects FOR ALL TO authenticated
  USING (tenant_id = auth.uid()) WITH CHECK (tenant_id = auth.uid());
"""
    finding = only_finding(tmp_path, migration, "rls-auth-per-row")
    db.execute(fixed_in_place(migration, finding) + SEED)
    ((using, check),) = db.query("SELECT qual, with_check FROM pg_policies "
                                 "WHERE policyname = 'projects_all'")
    assert "SELECT auth.uid()" in using and "SELECT auth.uid()" in check
    assert_tenant_isolation(db)


def test_tenant_index_and_composite_index_fixes_create_the_indexes(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS
    review = review_sql(tmp_path, migration)
    fixes = [finding.suggested_sql or "" for rule in ("tenant-index-missing",
                                                      "tenant-composite-index")
             for finding in findings_of(review, rule)]
    db.execute(migration)
    db.execute("\n".join(fixes))
    assert db.query("SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'projects' AND indexname LIKE '%tenant%' "
                    "ORDER BY indexname") == [
        ("projects_tenant_id_created_at_idx", "CREATE INDEX projects_tenant_id_created_at_idx "
         "ON public.projects USING btree (tenant_id, created_at)"),
        ("projects_tenant_id_idx",
         "CREATE INDEX projects_tenant_id_idx ON public.projects USING btree (tenant_id)"),
        ("projects_tenant_id_status_idx", "CREATE INDEX projects_tenant_id_status_idx "
         "ON public.projects USING btree (tenant_id, status)"),
    ]


def test_unique_without_tenant_fix_makes_slugs_unique_per_tenant(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    migration = TENANTS + PROJECTS.replace("slug text NOT NULL,", "slug text NOT NULL UNIQUE,")
    finding = only_finding(tmp_path, migration, "unique-without-tenant")
    db.execute(migration + SEED)
    db.execute(finding.suggested_sql or "")
    db.execute(f"INSERT INTO projects (tenant_id, slug) VALUES ('{TENANT_B}', 'a-1')")
    with pytest.raises(Exception, match="duplicate key"):
        db.execute(f"INSERT INTO projects (tenant_id, slug) VALUES ('{TENANT_A}', 'a-1')")


def test_unique_index_fix_on_an_existing_table_runs_concurrently(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    history = TENANTS + PROJECTS
    migration = "CREATE UNIQUE INDEX CONCURRENTLY projects_slug_idx ON projects (slug);"
    finding = only_finding(tmp_path, "-- dbreview:no-transaction\n" + migration,
                           "unique-without-tenant", history=history)
    assert "CONCURRENTLY" in (finding.suggested_sql or "")
    db.execute(history + SEED)
    db.connection.autocommit = True  # CONCURRENTLY refuses to run in a transaction block
    for statement in parse_statements(migration + "\n" + (finding.suggested_sql or "")):
        db.execute(statement.text)
    assert db.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'projects_slug_idx'") == [
        ("CREATE UNIQUE INDEX projects_slug_idx ON public.projects USING btree (tenant_id, slug)",)
    ]


def test_tenant_column_fixes_add_a_required_referencing_column(
    db: ScratchDatabase, tmp_path: Path
) -> None:
    missing = TENANTS + "CREATE TABLE notes (id uuid PRIMARY KEY, body text);"
    nullable = TENANTS + "CREATE TABLE tags (id uuid PRIMARY KEY, tenant_id uuid);"
    add_column = only_finding(tmp_path / "missing", missing, "tenant-column-missing")
    not_null = only_finding(tmp_path / "nullable", nullable, "tenant-column-type")
    db.execute(missing + (add_column.suggested_sql or ""))
    db.execute(nullable.replace(TENANTS, "") + (not_null.suggested_sql or ""))
    assert db.query("SELECT table_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE column_name = 'tenant_id' ORDER BY table_name") == [
        ("notes", "uuid", "NO"), ("tags", "uuid", "NO")]
    assert db.query("SELECT confrelid::regclass::text FROM pg_constraint "
                    "WHERE conrelid = 'notes'::regclass AND contype = 'f'") == [("tenants",)]


def test_view_fix_applies_the_policies_of_the_tables(db: ScratchDatabase, tmp_path: Path) -> None:
    history = TENANTS + PROJECTS + """
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects FOR ALL TO authenticated
  USING (tenant_id = (select auth.uid()));
"""
    migration = ("CREATE VIEW project_slugs AS SELECT slug FROM projects;\n"
                 "GRANT SELECT ON project_slugs TO authenticated;\n")
    finding = only_finding(tmp_path, migration, "view-bypasses-rls", history=history)
    db.execute(history + SEED + migration)
    assert len(as_user_of(db, TENANT_A, "SELECT slug FROM project_slugs")) == 2
    db.execute(finding.suggested_sql or "")
    assert as_user_of(db, TENANT_A, "SELECT slug FROM project_slugs") == [("a-1",)]


def test_security_definer_fix_pins_the_search_path(db: ScratchDatabase, tmp_path: Path) -> None:
    migration = """
CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS $$ SELECT count(*) FROM tenants $$;
"""
    finding = only_finding(tmp_path, TENANTS + migration, "security-definer-search-path")
    db.execute(fixed_in_place(TENANTS + migration, finding))
    assert db.query("SELECT proconfig FROM pg_proc WHERE proname = 'tenant_count'") == [
        (["search_path=public, pg_temp"],)]
    assert db.query("SELECT tenant_count()") == [(0,)]


def test_broad_grant_fix_keeps_only_authenticated(db: ScratchDatabase, tmp_path: Path) -> None:
    migration = TENANTS + PROJECTS + "GRANT SELECT ON projects TO anon, authenticated;\n"
    finding = only_finding(tmp_path, migration, "broad-grant")
    db.execute(fixed_in_place(migration, finding))
    assert db.query("SELECT has_table_privilege('anon', 'projects', 'SELECT'), "
                    "has_table_privilege('authenticated', 'projects', 'SELECT')") == [
        (False, True)]
