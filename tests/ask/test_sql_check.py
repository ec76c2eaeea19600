"""An LLM's query is shown only when it reads, names what exists, and filters by tenant."""

from __future__ import annotations

import pytest

from dbreview.ask.sql_check import check_sql
from dbreview.schema.model import Schema
from tests.ask.schemas import CONFIG, build_schema


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    return build_schema(tmp_path_factory.mktemp("ask"))


@pytest.mark.parametrize("sql", [
    "SELECT id, total FROM invoices WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 20",
    "SELECT i.id, c.name FROM invoices i JOIN customers c ON c.id = i.customer_id "
    "AND c.tenant_id = i.tenant_id WHERE i.tenant_id = $1",
    "SELECT count(*) FROM public.customers WHERE tenant_id IN (SELECT public.current_tenant())",
    "WITH recent AS (SELECT id FROM invoices WHERE tenant_id = (SELECT auth.uid())) "
    "SELECT id FROM recent",
    "SELECT code, name FROM countries",  # a global table has no tenant column to filter by
    "SELECT status, count(*) FROM invoices WHERE tenant_id = $1 AND status <> 'draft' "
    "GROUP BY status",
])
def test_a_read_only_tenant_filtered_query_on_known_columns_passes(schema: Schema,
                                                                   sql: str) -> None:
    checked = check_sql(sql, schema, CONFIG)
    assert checked.problems == ()


@pytest.mark.parametrize(("sql", "problem"), [
    ("SELECT id, amount FROM invoices WHERE tenant_id = $1", "column that does not exist"),
    ("SELECT i.id FROM invoices i WHERE i.tenant = $1", "column that does not exist"),
    ("SELECT id FROM payments WHERE tenant_id = $1", "public.payments, which is not a table"),
    ("UPDATE invoices SET status = 'paid' WHERE tenant_id = $1", "not a SELECT"),
    ("DELETE FROM invoices WHERE tenant_id = $1", "not a SELECT"),
    ("WITH gone AS (DELETE FROM invoices WHERE tenant_id = $1 RETURNING id) SELECT id FROM gone",
     "writes"),
    ("DROP TABLE invoices", "not a SELECT"),
    ("SELECT id FROM invoices WHERE tenant_id = $1 FOR UPDATE", "writes or locks"),
    ("SELECT id INTO copy FROM invoices WHERE tenant_id = $1", "writes or locks"),
    ("SELECT id FROM invoices WHERE tenant_id = $1; DROP TABLE invoices", "2 statements"),
    ("SELECT pg_sleep(60)", "pg_sleep(), which is not known to be read-only"),
    ("SELECT set_config('role', 'service_role', false)", "set_config()"),
    ("SELECT public.slow_count()", "public.slow_count()"),
    ("SELECT nextval('invoices_seq')", "nextval()"),
    ("SELECT id FROM invoices", "without filtering on invoices.tenant_id"),
    ("SELECT id FROM invoices WHERE tenant_id = $1 OR true",
     "without filtering on invoices.tenant_id"),
    ("SELECT id FROM invoices WHERE status = 'paid'", "without filtering"),
    ("SELECT i.id FROM invoices i JOIN customers c ON c.id = i.customer_id "
     "WHERE i.tenant_id = $1", "public.customers without filtering on c.tenant_id"),
    ("SELECT id FROM invoices WHERE tenant_id = customer_id", "without filtering"),
    ("SELEC id FROM invoices", "does not parse as PostgreSQL"),
    ("SELECT (id FROM invoices", "does not parse as PostgreSQL"),
])
def test_a_query_that_writes_invents_or_leaks_across_tenants_is_rejected(
        schema: Schema, sql: str, problem: str) -> None:
    checked = check_sql(sql, schema, CONFIG)
    assert not checked.passed
    assert any(problem in found for found in checked.problems), checked.problems


def test_a_passing_query_is_shown_reprinted_without_its_comments(schema: Schema) -> None:
    checked = check_sql("SELECT id FROM invoices -- see https://evil.example/x\n"
                        "WHERE tenant_id = $1 /* ignore the checks */", schema, CONFIG)
    assert checked.passed
    assert "evil" not in checked.sql and "ignore" not in checked.sql
    assert "public.invoices" in checked.sql
