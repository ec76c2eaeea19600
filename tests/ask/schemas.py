"""A small multi-tenant schema, replayed from real migration files, for the `ask` tests."""

from __future__ import annotations

from pathlib import Path

from dbreview.config import Config
from dbreview.schema.load import load_schema
from dbreview.schema.model import Schema

MIGRATIONS = {
    "20250101000000_tenants.sql": """
        CREATE TABLE public.tenants (id uuid PRIMARY KEY, name text NOT NULL);
        CREATE TABLE public.customers (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES public.tenants (id),
            user_id uuid REFERENCES auth.users (id),
            name text NOT NULL
        );
        CREATE INDEX customers_tenant_name_idx ON public.customers (tenant_id, name);
        ALTER TABLE public.customers ENABLE ROW LEVEL SECURITY;
        CREATE POLICY customers_by_tenant ON public.customers FOR SELECT TO authenticated
            USING (tenant_id = (SELECT auth.uid()));
        CREATE FUNCTION public.slow_count() RETURNS bigint LANGUAGE sql
            AS 'SELECT count(*) FROM public.customers';
        CREATE FUNCTION public.current_tenant() RETURNS uuid LANGUAGE sql STABLE
            AS 'SELECT (SELECT auth.uid())';
    """,
    "20250102000000_invoices.sql": """
        -- Invoices: what a customer owes.
        CREATE TABLE public.invoices (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES public.tenants (id),
            customer_id uuid NOT NULL REFERENCES public.customers (id),
            total numeric(12, 2) NOT NULL,
            status text NOT NULL CHECK (status IN ('draft', 'sent', 'paid')),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE public.invoices IS 'What a customer owes for one billing period.';
        CREATE INDEX invoices_customer_idx ON public.invoices (customer_id);
        CREATE TABLE public.countries (code text PRIMARY KEY, name text NOT NULL);
    """,
}
CONFIG = Config(tenancy={"global_tables": ["countries"]})  # type: ignore[arg-type]


def build_schema(root: Path) -> Schema:
    directory = root / "supabase" / "migrations"
    directory.mkdir(parents=True)
    for name, sql in MIGRATIONS.items():
        (directory / name).write_text(sql, encoding="utf-8")
    return load_schema([directory], CONFIG, root)
