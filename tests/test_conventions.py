"""The conventions end to end: a realistic, fully compliant Supabase multi-tenant migration set
gets no error and no warning from any rule, applies on PostgreSQL and isolates tenants there;
each single deviation from it gets exactly the findings it deserves, and nothing else.

The project: a tenants table (plan, billing status, limits), the activity log of E.1 with its
SECURITY DEFINER log function, three tenant tables with RLS, tenant-scoped policies, tenant
indexes, per-tenant unique constraints and log triggers, a security_invoker view, down
migrations, table docs and the backup policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbreview.review.model import Review
from dbreview.rules import registry
from tests.cli_support import MIGRATIONS as MIGRATIONS_DIR
from tests.cli_support import cli_in
from tests.pg import ScratchDatabase
from tests.support import Project, review_project

TENANTS_AND_LOG = """\
-- Tenants and the activity log.
-- Every tenant-scoped table references tenants (D.1); every table logs its changes to
-- activity_log through log_activity() (E.1, E.2).

CREATE TABLE public.tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  plan text NOT NULL DEFAULT 'free',
  billing_status text NOT NULL DEFAULT 'trialing',
  limits jsonb NOT NULL DEFAULT '{"projects": 3, "members": 5}',
  created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.tenants IS 'Customers of the service: plan, billing status and limits.';

CREATE TABLE public.activity_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  table_name text NOT NULL,
  record_id uuid,
  action text NOT NULL,
  old_data jsonb,
  new_data jsonb,
  actor_id uuid NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX activity_log_table_record_idx ON public.activity_log (table_name, record_id);

-- Only log_activity() writes the log; the API roles see nothing of it.
ALTER TABLE public.activity_log ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION public.log_activity()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  changed jsonb;
BEGIN
  -- Never log the log itself, and stop runaway trigger chains.
  IF TG_TABLE_NAME = 'activity_log' OR pg_catalog.pg_trigger_depth() > 8 THEN
    RETURN NULL;
  END IF;
  changed := CASE WHEN TG_OP = 'DELETE' THEN pg_catalog.to_jsonb(OLD)
                  ELSE pg_catalog.to_jsonb(NEW) END;
  INSERT INTO public.activity_log (table_name, record_id, action, old_data, new_data, actor_id)
  VALUES (
    TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
    (changed ->> 'id')::uuid,
    TG_OP,
    CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END,
    CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END,
    (SELECT auth.uid())
  );
  RETURN NULL;
END
$$;

CREATE TRIGGER tenants_log_activity
  AFTER INSERT OR UPDATE OR DELETE ON public.tenants
  FOR EACH ROW EXECUTE FUNCTION public.log_activity();

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenants_select ON public.tenants FOR SELECT TO authenticated
  USING (id = (SELECT auth.uid()));
"""

TENANTS_AND_LOG_DOWN = """\
-- Undo 20250601000000_tenants_and_activity_log.
DROP TABLE public.tenants;
DROP FUNCTION public.log_activity();
DROP TABLE public.activity_log;
"""

PROJECTS_AND_TASKS = """\
-- Projects and their tasks, one set per tenant.
-- Isolation: RLS with one policy per command, limited to the user's tenant (D.3).

SET lock_timeout = '5s';

CREATE TABLE public.projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  slug text NOT NULL,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT projects_tenant_slug_key UNIQUE (tenant_id, slug)
);

CREATE INDEX projects_tenant_id_idx ON public.projects (tenant_id);
CREATE INDEX projects_tenant_id_created_at_idx ON public.projects (tenant_id, created_at);
CREATE INDEX projects_tenant_id_status_idx ON public.projects (tenant_id, status);

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

CREATE POLICY projects_select ON public.projects FOR SELECT TO authenticated
  USING (tenant_id = (SELECT auth.uid()));
CREATE POLICY projects_insert ON public.projects FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT auth.uid()));
CREATE POLICY projects_update ON public.projects FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT auth.uid())) WITH CHECK (tenant_id = (SELECT auth.uid()));
CREATE POLICY projects_delete ON public.projects FOR DELETE TO authenticated
  USING (tenant_id = (SELECT auth.uid()));

CREATE TRIGGER projects_log_activity
  AFTER INSERT OR UPDATE OR DELETE ON public.projects
  FOR EACH ROW EXECUTE FUNCTION public.log_activity();

CREATE TABLE public.tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  project_id uuid NOT NULL REFERENCES public.projects (id),
  title text NOT NULL,
  status text NOT NULL DEFAULT 'open',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tasks_tenant_id_idx ON public.tasks (tenant_id);
CREATE INDEX tasks_tenant_id_created_at_idx ON public.tasks (tenant_id, created_at);
CREATE INDEX tasks_tenant_id_status_idx ON public.tasks (tenant_id, status);
CREATE INDEX tasks_project_id_idx ON public.tasks (project_id);

ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;

CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated
  USING (tenant_id = (SELECT auth.uid()));
CREATE POLICY tasks_insert ON public.tasks FOR INSERT TO authenticated
  WITH CHECK (tenant_id = (SELECT auth.uid()));
CREATE POLICY tasks_update ON public.tasks FOR UPDATE TO authenticated
  USING (tenant_id = (SELECT auth.uid())) WITH CHECK (tenant_id = (SELECT auth.uid()));
CREATE POLICY tasks_delete ON public.tasks FOR DELETE TO authenticated
  USING (tenant_id = (SELECT auth.uid()));

CREATE TRIGGER tasks_log_activity
  AFTER INSERT OR UPDATE OR DELETE ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.log_activity();

GRANT SELECT, INSERT, UPDATE, DELETE ON public.projects, public.tasks TO authenticated;
"""

PROJECTS_AND_TASKS_DOWN = """\
-- Undo 20250601000100_projects_and_tasks.
DROP TABLE public.tasks;
DROP TABLE public.projects;
"""

COMMENTS_AND_OVERVIEW = """\
-- Comments on tasks, and an overview of open work per project.
-- The view runs with the caller's rights so the tables' policies apply (security_invoker).

SET lock_timeout = '5s';

CREATE TABLE public.comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  task_id uuid NOT NULL REFERENCES public.tasks (id),
  author_id uuid,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX comments_tenant_id_created_at_idx ON public.comments (tenant_id, created_at);
CREATE INDEX comments_task_id_idx ON public.comments (task_id);

ALTER TABLE public.comments ENABLE ROW LEVEL SECURITY;

CREATE POLICY comments_tenant ON public.comments FOR ALL TO authenticated
  USING (tenant_id = (SELECT auth.uid())) WITH CHECK (tenant_id = (SELECT auth.uid()));

CREATE TRIGGER comments_log_activity
  AFTER INSERT OR UPDATE OR DELETE ON public.comments
  FOR EACH ROW EXECUTE FUNCTION public.log_activity();

CREATE VIEW public.project_overview WITH (security_invoker = true) AS
  SELECT p.id, p.tenant_id, p.name, count(t.id) FILTER (WHERE t.status = 'open') AS open_tasks
  FROM public.projects p
  LEFT JOIN public.tasks t ON t.project_id = p.id
  GROUP BY p.id;

GRANT SELECT, INSERT, UPDATE, DELETE ON public.comments TO authenticated;
GRANT SELECT ON public.project_overview TO authenticated;
"""

COMMENTS_AND_OVERVIEW_DOWN = """\
-- Undo 20250601000200_comments_and_overview.
DROP VIEW public.project_overview;
DROP TABLE public.comments;
"""

COMPLIANT = {
    "20250601000000_tenants_and_activity_log": (TENANTS_AND_LOG, TENANTS_AND_LOG_DOWN),
    "20250601000100_projects_and_tasks": (PROJECTS_AND_TASKS, PROJECTS_AND_TASKS_DOWN),
    "20250601000200_comments_and_overview": (COMMENTS_AND_OVERVIEW, COMMENTS_AND_OVERVIEW_DOWN),
}
DOCS = {
    **{f"docs/schema/tables/{table}.md": f"# {table}\n\nWhat public.{table} holds.\n"
       for table in ("tenants", "activity_log", "projects", "tasks", "comments")},
    "docs/operations/backups/backup_policy.md": "# Backups\n\nDaily, 30 days of PITR.\n",
}
TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001"
TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002"


def project(root: Path, migrations: dict[str, tuple[str, str]] = COMPLIANT) -> Project:
    changeset = [(f"{name}.sql", up) for name, (up, _) in migrations.items()]
    changeset += [(f"{name}.down.sql", down) for name, (_, down) in migrations.items()]
    return Project(root=root, changeset=changeset, files=DOCS)


def review(tmp_path: Path, migrations: dict[str, tuple[str, str]] = COMPLIANT) -> Review:
    """The three migrations as one changeset, as in a pull request that adds them."""
    return review_project(project(tmp_path, migrations))


def blocking(review: Review) -> set[tuple[str, str, int]]:
    """(rule, file, line) of every error and warning."""
    return {(finding.rule, Path(finding.path).stem, finding.line)
            for finding in review.findings() if finding.severity in ("error", "warning")}


def test_the_compliant_project_gets_no_error_and_no_warning(tmp_path: Path) -> None:
    findings = [f for f in review(tmp_path).findings() if f.severity in ("error", "warning")]
    assert findings == [], [f"{f.rule} {f.path}:{f.line} {f.message}" for f in findings]


def test_each_file_checked_after_the_previous_ones_is_clean_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project(tmp_path).write()
    run = cli_in(tmp_path, monkeypatch, capsys)("check", "--format", "json", MIGRATIONS_DIR)
    assert (run.code, run.findings()) == (0, [])


@dataclass(frozen=True)
class Deviation:
    """One change to the compliant project and the findings it deserves.

    Each expected finding is (rule id, text on the line it points at) in the changed file.
    """

    name: str
    migration: str  # key of COMPLIANT: the file it changes
    old: str
    new: str
    expected: tuple[tuple[str, str], ...]


DEVIATIONS = [
    Deviation("a policy dropped", "20250601000100_projects_and_tasks",
              "CREATE POLICY projects_delete ON public.projects FOR DELETE TO authenticated\n"
              "  USING (tenant_id = (SELECT auth.uid()));\n", "",
              (("rls-policy-missing", "CREATE TABLE public.projects"),)),
    Deviation("tenant_id nullable", "20250601000100_projects_and_tasks",
              "tenant_id uuid NOT NULL REFERENCES public.tenants (id),\n  project_id",
              "tenant_id uuid REFERENCES public.tenants (id),\n  project_id",
              (("tenant-column-type", "CREATE TABLE public.tasks"),)),
    Deviation("tenant_id of another type", "20250601000200_comments_and_overview",
              "tenant_id uuid NOT NULL", "tenant_id text NOT NULL",
              (("tenant-column-type", "CREATE TABLE public.comments"),)),
    Deviation("RLS not enabled", "20250601000100_projects_and_tasks",
              "ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;\n", "",
              (("rls-not-enabled", "CREATE TABLE public.tasks"),)),
    Deviation("RLS disabled again", "20250601000200_comments_and_overview",
              "GRANT SELECT ON public.project_overview",
              "ALTER TABLE public.comments DISABLE ROW LEVEL SECURITY;\n"
              "GRANT SELECT ON public.project_overview",
              (("rls-disabled", "DISABLE ROW LEVEL SECURITY"),
               ("rls-not-enabled", "CREATE TABLE public.comments"))),
    Deviation("unique across tenants", "20250601000100_projects_and_tasks",
              "UNIQUE (tenant_id, slug)", "UNIQUE (slug)",
              (("unique-without-tenant", "CREATE TABLE public.projects"),)),
    Deviation("no index led by tenant_id", "20250601000200_comments_and_overview",
              "CREATE INDEX comments_tenant_id_created_at_idx ON public.comments "
              "(tenant_id, created_at);\n", "",
              (("tenant-index-missing", "CREATE TABLE public.comments"),
               ("foreign-key-not-indexed", "CREATE TABLE public.comments"),
               ("tenant-composite-index", "CREATE TABLE public.comments"))),
    Deviation("auth.uid() evaluated per row", "20250601000100_projects_and_tasks",
              "CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated\n"
              "  USING (tenant_id = (SELECT auth.uid()));",
              "CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated\n"
              "  USING (tenant_id = auth.uid());",
              (("rls-auth-per-row", "CREATE POLICY tasks_select"),)),
    Deviation("a policy open to every tenant", "20250601000100_projects_and_tasks",
              "CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated\n"
              "  USING (tenant_id = (SELECT auth.uid()));",
              "CREATE POLICY tasks_select ON public.tasks FOR SELECT TO authenticated\n"
              "  USING ((SELECT auth.uid()) IS NOT NULL);",
              (("rls-policy-not-tenant-scoped", "CREATE POLICY tasks_select"),)),
    Deviation("the tenant read from user_metadata", "20250601000200_comments_and_overview",
              "USING (tenant_id = (SELECT auth.uid()))",
              "USING (tenant_id = ((SELECT auth.jwt()) -> 'user_metadata' ->> 'tenant')::uuid)",
              (("rls-user-metadata", "CREATE POLICY comments_tenant"),)),
    Deviation("a view without security_invoker", "20250601000200_comments_and_overview",
              " WITH (security_invoker = true)", "",
              (("view-bypasses-rls", "CREATE VIEW public.project_overview"),)),
    Deviation("SECURITY DEFINER without search_path", "20250601000000_tenants_and_activity_log",
              "SET search_path = ''\n", "",
              (("security-definer-search-path", "CREATE FUNCTION public.log_activity()"),)),
    Deviation("a grant to anon", "20250601000200_comments_and_overview",
              "ON public.comments TO authenticated", "ON public.comments TO anon, authenticated",
              (("broad-grant", "GRANT SELECT, INSERT, UPDATE, DELETE ON public.comments"),)),
    Deviation("a tenants table without a plan", "20250601000000_tenants_and_activity_log",
              "  plan text NOT NULL DEFAULT 'free',\n", "",
              (("tenants-table-missing", "CREATE TABLE public.tenants"),)),
    Deviation("no (tenant_id, status) index", "20250601000100_projects_and_tasks",
              "CREATE INDEX tasks_tenant_id_status_idx ON public.tasks (tenant_id, status);\n",
              "", (("tenant-composite-index", "CREATE TABLE public.tasks"),)),
    Deviation("no activity-log trigger", "20250601000200_comments_and_overview",
              "CREATE TRIGGER comments_log_activity\n"
              "  AFTER INSERT OR UPDATE OR DELETE ON public.comments\n"
              "  FOR EACH ROW EXECUTE FUNCTION public.log_activity();\n", "",
              (("activity-trigger-missing", "CREATE TABLE public.comments"),)),
    Deviation("the log trigger misses DELETE", "20250601000200_comments_and_overview",
              "AFTER INSERT OR UPDATE OR DELETE ON public.comments",
              "AFTER INSERT OR UPDATE ON public.comments",
              (("activity-trigger-incomplete", "CREATE TRIGGER comments_log_activity"),)),
    Deviation("the log trigger fires per statement", "20250601000200_comments_and_overview",
              "  FOR EACH ROW EXECUTE FUNCTION public.log_activity();\n\nCREATE VIEW",
              "  FOR EACH STATEMENT EXECUTE FUNCTION public.log_activity();\n\nCREATE VIEW",
              (("activity-trigger-incomplete", "CREATE TRIGGER comments_log_activity"),)),
    Deviation("a credential in a comment", "20250601000200_comments_and_overview",
              "GRANT SELECT ON public.project_overview",
              "COMMENT ON TABLE public.comments IS 'webhook token: "
              + "gh" + "p_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + "';\n"
              "GRANT SELECT ON public.project_overview",
              (("hardcoded-secret", "COMMENT ON TABLE public.comments"),)),
]


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=[d.name for d in DEVIATIONS])
def test_each_deviation_gets_exactly_the_findings_it_deserves(
    deviation: Deviation, tmp_path: Path
) -> None:
    up, down = COMPLIANT[deviation.migration]
    assert up.count(deviation.old) == 1, "the deviation must change exactly one place"
    changed = up.replace(deviation.old, deviation.new)
    result = review(tmp_path, {**COMPLIANT, deviation.migration: (changed, down)})
    expected = {(rule, deviation.migration, _line_of(changed, text))
                for rule, text in deviation.expected}
    severities = {rule.id: rule.severity.value for rule in registry().rules}
    assert blocking(result) == {item for item in expected if severities[item[0]] != "notice"}
    notices = {(f.rule, Path(f.path).stem, f.line) for f in result.findings()}
    assert expected <= notices


@pytest.mark.parametrize(("removed", "rule"), [
    ("docs/schema/tables/comments.md", "docs-missing"),
    ("docs/operations/backups/backup_policy.md", "backup-policy-missing"),
])
def test_a_page_missing_from_the_docs_gets_exactly_its_finding(
    removed: str, rule: str, tmp_path: Path
) -> None:
    compliant = {f.rule for f in review(tmp_path / "compliant").findings()}
    changeset = project(tmp_path / "deviating").changeset
    files = {path: text for path, text in DOCS.items() if path != removed}
    result = review_project(Project(root=tmp_path / "deviating", changeset=changeset,
                                    files=files))
    assert {f.rule for f in result.findings()} - compliant == {rule}
    assert [f.rule for f in result.findings() if f.rule == rule] == [rule]


def _line_of(sql: str, text: str) -> int:
    before, found, _ = sql.partition(text)
    assert found, f"{text!r} is not in the migration"
    return before.count("\n") + 1


def test_the_compliant_project_applies_and_isolates_tenants(pg: ScratchDatabase) -> None:
    pg.execute("GRANT USAGE ON SCHEMA auth TO anon, authenticated")  # as on Supabase
    for up, _ in COMPLIANT.values():
        pg.execute(up)
    pg.execute(f"""
        INSERT INTO tenants (id, name) VALUES ('{TENANT_A}', 'a'), ('{TENANT_B}', 'b');
        INSERT INTO projects (tenant_id, slug, name)
          VALUES ('{TENANT_A}', 'site', 'A site'), ('{TENANT_B}', 'site', 'B site');
    """)
    assert pg.query("SELECT table_name, action, count(*) FROM activity_log "
                    "GROUP BY 1, 2 ORDER BY 1") == [("public.projects", "INSERT", 2),
                                                    ("public.tenants", "INSERT", 2)]
    assert _as_tenant(pg, TENANT_A, "SELECT name FROM projects") == [("A site",)]
    assert _as_tenant(pg, TENANT_B, "SELECT name, open_tasks FROM project_overview") == [
        ("B site", 0)]
    for _, down in reversed(COMPLIANT.values()):
        pg.execute(down)
    assert pg.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def _as_tenant(pg: ScratchDatabase, tenant: str, sql: str) -> list[tuple[object, ...]]:
    try:
        with pg.connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE authenticated")
            cursor.execute("SELECT set_config('request.jwt.claims', %s, true)",
                           (json.dumps({"sub": tenant, "role": "authenticated"}),))
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        pg.connection.rollback()
