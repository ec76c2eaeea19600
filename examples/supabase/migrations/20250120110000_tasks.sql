-- Tasks: the work items of a project, owned by the project's tenant.
-- Why: the board view lists a tenant's tasks by project, by status and by age. tenant_id is
-- stored on every task (not derived through the project) so that row level security and
-- every index can lead with it.

CREATE TABLE public.tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    project_id uuid NOT NULL REFERENCES public.projects (id) ON DELETE CASCADE,
    title text NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'doing', 'done')),
    estimate_minutes bigint,
    due_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tasks_project_idx ON public.tasks (project_id);
CREATE INDEX tasks_tenant_status_idx ON public.tasks (tenant_id, status);
CREATE INDEX tasks_tenant_created_idx ON public.tasks (tenant_id, created_at DESC);

ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;

CREATE POLICY tasks_tenant_members ON public.tasks FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));

CREATE TRIGGER tasks_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.tasks
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
