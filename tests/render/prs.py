"""Realistic pull requests against one small multi-tenant project, reviewed end to end (files
→ review → renderings): the fixtures of the golden comments and of the review-model tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dbreview.commands.check import CheckRequest, build_review
from dbreview.review.model import Review

MIGRATIONS = "supabase/migrations"

HISTORY = {
    f"{MIGRATIONS}/20250106090000_tenants.sql": """\
-- Tenants, memberships and the activity log every tenant table builds on.

CREATE TABLE public.tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise')),
    billing_status text NOT NULL DEFAULT 'trialing',
    seat_limit integer NOT NULL DEFAULT 5,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.memberships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON public.memberships (user_id);

CREATE TABLE public.activity_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid,
    table_name text NOT NULL,
    record_id uuid,
    action text NOT NULL,
    old_data jsonb,
    new_data jsonb,
    actor_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_log_tenant_created_idx ON public.activity_log (tenant_id, created_at);

CREATE FUNCTION public.log_activity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
    INSERT INTO public.activity_log (tenant_id, table_name, record_id, action, old_data,
                                     new_data, actor_id)
    VALUES ((coalesce(to_jsonb(NEW), to_jsonb(OLD)) ->> 'tenant_id')::uuid,
            TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
            (coalesce(to_jsonb(NEW), to_jsonb(OLD)) ->> 'id')::uuid, TG_OP,
            to_jsonb(OLD), to_jsonb(NEW), auth.uid());
    RETURN NULL;
END;
$$;

CREATE FUNCTION public.user_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$ SELECT tenant_id FROM public.memberships WHERE user_id = (SELECT auth.uid()) $$;

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.activity_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenants_read ON public.tenants FOR SELECT TO authenticated
    USING (id IN (SELECT public.user_tenant_ids()));
CREATE POLICY memberships_tenant ON public.memberships FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));
CREATE POLICY activity_log_read ON public.activity_log FOR SELECT TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()));
CREATE TRIGGER tenants_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.tenants
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
CREATE TRIGGER memberships_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.memberships
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
""",
    f"{MIGRATIONS}/20250113100000_projects.sql": """\
-- Projects and their tasks, owned by a tenant.

CREATE TABLE public.projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    legacy_code text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);
CREATE INDEX projects_tenant_created_idx ON public.projects (tenant_id, created_at);

CREATE TABLE public.tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES public.projects (id) ON DELETE CASCADE,
    title text NOT NULL,
    estimate_minutes bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_project_idx ON public.tasks (project_id);
CREATE INDEX tasks_tenant_created_idx ON public.tasks (tenant_id, created_at);

CREATE TABLE public.task_imports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_imports_tenant_created_idx ON public.task_imports (tenant_id, created_at);

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.task_imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON public.projects FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));
CREATE POLICY tasks_tenant ON public.tasks FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));
CREATE POLICY task_imports_tenant ON public.task_imports FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));
CREATE TRIGGER projects_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.projects
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
CREATE TRIGGER tasks_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.tasks
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
CREATE TRIGGER task_imports_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.task_imports
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
""",
}
DOCUMENTED = ("tenants", "memberships", "activity_log", "projects", "tasks", "task_imports")
REPOSITORY_FILES = {
    "docs/operations/backups/backup_policy.md": "# Backups\n\nDaily, kept 30 days.\n",
    **{f"docs/schema/tables/{name}.md": f"# {name}\n" for name in DOCUMENTED},
}


@dataclass(frozen=True)
class Accepted:
    """A `/dbreview ignore` the App recorded on the pull request."""

    rule: str
    reason: str
    by: str
    at: str


@dataclass(frozen=True)
class PullRequest:
    name: str
    title: str
    body: str
    changes: dict[str, str]  # the files the pull request adds (migrations, docs)
    history: dict[str, str] = field(default_factory=lambda: dict(HISTORY))
    accepted: tuple[Accepted, ...] = ()

    def write(self, root: Path) -> None:
        for path, text in {**self.history, **REPOSITORY_FILES, **self.changes}.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)

    def review(self, root: Path) -> Review:
        """The review the GitHub App would make: the changed files form one changeset."""
        self.write(root)
        return build_review(CheckRequest(paths=[], root=root, pr_title=self.title,
                                         pr_body=self.body,
                                         changed_paths=frozenset(self.changes)))


COMPLIANT_TENANT_TABLE = PullRequest(
    name="compliant-tenant-table",
    title="Invoices per tenant",
    body="Adds the invoices table for the billing page (#231). Docs page included.",
    changes={
        f"{MIGRATIONS}/20250301090000_invoices.sql": """\
-- Invoices: what a tenant is billed each month.
-- Why: the billing page lists a tenant's invoices, newest first, and filters them by status.

SET lock_timeout = '5s';

CREATE TABLE public.invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    number text NOT NULL,
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid')),
    amount_cents bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, number)
);
COMMENT ON TABLE public.invoices IS 'One bill sent to a tenant for one month.';

CREATE INDEX invoices_tenant_created_idx ON public.invoices (tenant_id, created_at);
CREATE INDEX invoices_tenant_status_idx ON public.invoices (tenant_id, status);

ALTER TABLE public.invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_tenant ON public.invoices FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));

CREATE TRIGGER invoices_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.invoices
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
""",
        f"{MIGRATIONS}/20250301090000_invoices.down.sql": "DROP TABLE public.invoices;\n",
        "docs/schema/tables/invoices.md": "# invoices\n\nOne bill per tenant and month.\n",
    },
)

RISKY_CHANGE = PullRequest(
    name="risky-change-on-existing-tables",
    title="Assign tasks to members",
    body="Every task gets an assignee so the board can filter by person.",
    changes={
        f"{MIGRATIONS}/20250302100000_task_assignees.sql": """\
-- Task assignees: every task gets the member responsible for it.
-- Why: the board filters a tenant's tasks by assignee.

SET lock_timeout = '5s';

ALTER TABLE public.tasks ADD COLUMN assignee_id uuid NOT NULL;

CREATE INDEX tasks_tenant_assignee_idx ON public.tasks (tenant_id, assignee_id);

ALTER TABLE public.tasks ADD CONSTRAINT tasks_assignee_fkey
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES public.memberships (tenant_id, user_id);
""",
        f"{MIGRATIONS}/20250302100000_task_assignees.down.sql":
            "ALTER TABLE public.tasks DROP COLUMN assignee_id;\n",
    },
)

DESTRUCTIVE_CHANGE = PullRequest(
    name="destructive-change",
    title="Clean up after the tracker import",
    body="The import finished last month; its table and codes are no longer read.",
    changes={
        f"{MIGRATIONS}/20250303110000_import_cleanup.sql": """\
-- Cleanup after the tracker import.
-- Why: the import is finished and no estimate needs more than 32 bits.

SET lock_timeout = '5s';

DROP TABLE public.task_imports;

ALTER TABLE public.projects DROP COLUMN legacy_code;

ALTER TABLE public.tasks ALTER COLUMN estimate_minutes TYPE integer;

DELETE FROM public.activity_log;
""",
        f"{MIGRATIONS}/20250303110000_import_cleanup.down.sql":
            "ALTER TABLE public.projects ADD COLUMN legacy_code text;\n",
    },
    accepted=(Accepted("delete-without-where", "the log is rebuilt from the event store (#499)",
                       "maintainer", "2025-03-03T12:00:00Z"),),
)

NO_FINDINGS = PullRequest(
    name="no-findings",
    title="Describe projects",
    body="A free-text description shown on the project page.",
    changes={
        f"{MIGRATIONS}/20250304120000_project_description.sql": """\
-- Projects get a description, shown on the project page.
-- Why: customers asked to say what a project is for; nullable, no default, no backfill.

SET lock_timeout = '5s';

ALTER TABLE public.projects ADD COLUMN description text;
COMMENT ON COLUMN public.projects.description IS 'What the project is for, in the owner''s words.';
""",
        f"{MIGRATIONS}/20250304120000_project_description.down.sql":
            "ALTER TABLE public.projects DROP COLUMN description;\n",
    },
)

PULL_REQUESTS = (COMPLIANT_TENANT_TABLE, RISKY_CHANGE, DESTRUCTIVE_CHANGE, NO_FINDINGS)
