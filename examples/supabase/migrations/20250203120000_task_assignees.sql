-- Task assignees: every task gets the member responsible for it.
-- Why: the board view filters a tenant's tasks by assignee.
-- DELIBERATELY UNSAFE (see examples/README.md): each statement below is a mistake dbreview
-- exists to catch on a table that already holds data.

SET lock_timeout = '5s';

-- Fails on a table with rows, and breaks every INSERT the running app still sends.
ALTER TABLE public.tasks ADD COLUMN assignee_id uuid NOT NULL;

-- Blocks every write to tasks while the index builds.
CREATE INDEX tasks_tenant_assignee_idx ON public.tasks (tenant_id, assignee_id);

-- Scans every task under a lock to validate the key; NOT VALID then VALIDATE would not.
ALTER TABLE public.tasks ADD CONSTRAINT tasks_assignee_fkey
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES public.memberships (tenant_id, user_id);
