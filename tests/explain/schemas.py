"""Schemas for the explanation tests, built the way the commands build them: migrations written
to a throwaway repository, then replayed by `load_schema`."""

from __future__ import annotations

from pathlib import Path

from dbreview.config import Config
from dbreview.schema.load import load_schema
from dbreview.schema.model import Schema

# A small tenant schema in the conventions' shape: tenants, projects, tasks (with a comment and
# a tenant-led index ordered by time) and a tag table one hop further away.
TENANTS = """
CREATE TABLE public.tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
"""
PROJECTS = """
CREATE TABLE public.projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  name text NOT NULL,
  UNIQUE (tenant_id, name)
);
ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_members ON public.projects FOR ALL TO authenticated
  USING (tenant_id = (SELECT (auth.jwt() ->> 'tenant_id')::uuid));
"""
TASKS = """
CREATE TABLE public.tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  project_id uuid NOT NULL REFERENCES public.projects (id),
  parent_id uuid REFERENCES public.tasks (id),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.tasks IS 'Work items of a project';
COMMENT ON COLUMN public.tasks.parent_id IS 'The task this one is a step of.';
CREATE INDEX tasks_tenant_status_idx ON public.tasks (tenant_id, status);
CREATE INDEX tasks_tenant_created_idx ON public.tasks (tenant_id, created_at);
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tasks_members ON public.tasks FOR SELECT TO authenticated
  USING (tenant_id = (SELECT (auth.jwt() ->> 'tenant_id')::uuid));
CREATE TRIGGER tasks_log AFTER INSERT OR UPDATE OR DELETE ON public.tasks
  FOR EACH ROW EXECUTE FUNCTION public.log_activity();
"""
TAGS = """
CREATE TABLE public.tags (id bigint PRIMARY KEY, task_id uuid NOT NULL UNIQUE
  REFERENCES public.tasks (id), label text);
CREATE TABLE public.tag_notes (tag_id bigint REFERENCES public.tags, note text);
"""
PROJECT_SCHEMA = (TENANTS, PROJECTS, TASKS, TAGS)


def schema_of(root: Path, *migrations: str, config: Config | None = None) -> Schema:
    directory = root / "supabase" / "migrations"
    directory.mkdir(parents=True, exist_ok=True)
    for number, sql in enumerate(migrations):
        (directory / f"2025010100{number:04d}_step_{number}.sql").write_text(sql)
    return load_schema([directory], config or Config(), root)
