-- Projects: the first table owned by a tenant.
-- Why: customers group their work into projects. Rows are isolated per tenant by row level
-- security; the composite indexes serve the project list (newest first, by status) of one
-- tenant; every change is logged.

CREATE TABLE public.projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    legacy_code text, -- the project's key in the tracker we import from
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, name)
);

CREATE INDEX projects_tenant_created_idx ON public.projects (tenant_id, created_at DESC);
CREATE INDEX projects_tenant_status_idx ON public.projects (tenant_id, status);

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

CREATE POLICY projects_tenant_members ON public.projects FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));

CREATE TRIGGER projects_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.projects
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
