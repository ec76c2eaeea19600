-- Task comments: what members write under a task.
-- Why: the board shows a task's discussion next to it. Deliberate slips for the demo: the
-- table is not in the activity log, its policy only covers reads and trusts user_metadata
-- (which every user can edit), and no index leads with tenant_id.

CREATE TABLE public.task_comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
    task_id uuid NOT NULL REFERENCES public.tasks (id) ON DELETE CASCADE,
    author_id uuid NOT NULL REFERENCES auth.users (id),
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX task_comments_task_idx ON public.task_comments (task_id);

ALTER TABLE public.task_comments ENABLE ROW LEVEL SECURITY;

CREATE POLICY task_comments_read ON public.task_comments FOR SELECT TO authenticated
    USING (tenant_id = (auth.jwt() -> 'user_metadata' ->> 'tenant_id')::uuid);
