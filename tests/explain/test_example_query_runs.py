"""The example query of a tenant table runs on PostgreSQL as a signed-in user: row level
security admits it, it returns that user's tenant's rows, and the index it names can serve it.

Skips when no PostgreSQL server is reachable (see tests/pg.py).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from dbreview.config import parse_config
from dbreview.explain import explain_table
from tests.explain.schemas import schema_of
from tests.pg import ScratchDatabase

TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001"
TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002"
MIGRATION = """
CREATE TABLE public.tenants (id uuid PRIMARY KEY);
CREATE TABLE public.memberships (tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  user_id uuid NOT NULL, PRIMARY KEY (tenant_id, user_id));
CREATE FUNCTION public.user_tenant_ids() RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
  AS $$ SELECT tenant_id FROM public.memberships WHERE user_id = (SELECT auth.uid()) $$;
CREATE TABLE public.tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES public.tenants (id),
  title text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_tenant_created_idx ON public.tasks (tenant_id, created_at DESC);
ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tasks_members ON public.tasks FOR ALL TO authenticated
  USING (tenant_id IN (SELECT public.user_tenant_ids()));
GRANT SELECT ON public.tasks TO authenticated;
"""
USER_A = "11111111-0000-4000-8000-000000000001"


def test_the_example_query_reads_the_users_tenant_through_rls(
    pg: ScratchDatabase, tmp_path: Path
) -> None:
    config = parse_config({}, "test config")
    query = explain_table(schema_of(tmp_path, MIGRATION), ("public", "tasks"),
                          config).example_query
    assert query is not None and "tasks_tenant_created_idx" in query
    pg.execute(MIGRATION + f"""
        GRANT USAGE ON SCHEMA auth TO authenticated;
        INSERT INTO public.tenants VALUES ('{TENANT_A}'), ('{TENANT_B}');
        INSERT INTO public.memberships VALUES ('{TENANT_A}', '{USER_A}');
        INSERT INTO public.tasks (tenant_id, title)
          SELECT CASE WHEN n % 2 = 0 THEN '{TENANT_A}'::uuid ELSE '{TENANT_B}'::uuid END,
                 'task ' || n
          FROM generate_series(1, 2000) AS n;
        ANALYZE public.tasks;
    """)
    claims = json.dumps({"sub": USER_A, "role": "authenticated"})
    signed_in = (f"SET ROLE authenticated; SELECT set_config('request.jwt.claims', '{claims}', "
                 "false);")
    pg.execute(signed_in)
    rows = pg.query(query)
    # On 2,000 rows a sequential scan is cheaper; switched off, the planner shows which index
    # serves the query's filter and order.
    pg.execute("SET enable_seqscan = off")
    plan = "\n".join(line for (line,) in pg.query("EXPLAIN " + query))
    pg.execute("RESET ROLE; RESET enable_seqscan")
    assert len(rows) == 50
    tenant_column = 1  # the query lists the columns in table order
    assert {row[tenant_column] for row in rows} == {uuid.UUID(TENANT_A)}
    assert "tasks_tenant_created_idx" in plan
