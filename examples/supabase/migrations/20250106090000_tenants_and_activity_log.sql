-- Tenants, memberships and the activity log: the foundation every tenant table builds on.
-- Why: each customer organisation is a tenant with a plan, a billing status and limits; a
-- user reaches a tenant's rows only through a membership, and every write to a table is
-- recorded in activity_log by the log_activity() trigger function.

CREATE TABLE public.tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise')),
    billing_status text NOT NULL DEFAULT 'trialing'
        CHECK (billing_status IN ('trialing', 'active', 'past_due', 'canceled')),
    seat_limit integer NOT NULL DEFAULT 5,
    project_limit integer NOT NULL DEFAULT 3,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.memberships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, user_id)
);

CREATE INDEX memberships_user_idx ON public.memberships (user_id);

-- E.1: the shape every audit query relies on.
CREATE TABLE public.activity_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid,
    table_name text NOT NULL,
    record_id uuid,
    action text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    old_data jsonb,
    new_data jsonb,
    actor_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX activity_log_tenant_created_idx ON public.activity_log (tenant_id, created_at);

-- Runs as its owner so that it can write the log, which users can only read.
CREATE FUNCTION public.log_activity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
    changed jsonb := coalesce(new_row, old_row);
BEGIN
    INSERT INTO public.activity_log
        (tenant_id, table_name, record_id, action, old_data, new_data, actor_id)
    VALUES ((changed ->> 'tenant_id')::uuid, TG_TABLE_NAME, (changed ->> 'id')::uuid, TG_OP,
            old_row, new_row, auth.uid());
    RETURN NULL;
END;
$$;

-- The tenants of the signed-in user. SECURITY DEFINER so that policies on memberships
-- itself can call it without recursing into their own row level security.
CREATE FUNCTION public.user_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT tenant_id FROM public.memberships WHERE user_id = (SELECT auth.uid())
$$;

ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.activity_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenants_members_read ON public.tenants FOR SELECT TO authenticated
    USING (id IN (SELECT public.user_tenant_ids()));

CREATE POLICY memberships_tenant_members ON public.memberships FOR ALL TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()))
    WITH CHECK (tenant_id IN (SELECT public.user_tenant_ids()));

CREATE POLICY activity_log_members_read ON public.activity_log FOR SELECT TO authenticated
    USING (tenant_id IN (SELECT public.user_tenant_ids()));

CREATE TRIGGER tenants_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.tenants
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();

CREATE TRIGGER memberships_log_activity AFTER INSERT OR UPDATE OR DELETE ON public.memberships
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
