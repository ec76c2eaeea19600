from __future__ import annotations

from dbreview.schema.model import Origin, Schema
from dbreview.schema.replay import replay
from dbreview.sql.parse import parse_statements
from dbreview.sql.source import Span

ORIGIN = Origin("test.sql", Span(1, 1, 1, 1))


def build(sql: str, schema: Schema | None = None, *, in_changeset: bool = False) -> Schema:
    schema = schema or Schema()
    for statement in parse_statements(sql):
        replay(schema, statement, ORIGIN, in_changeset=in_changeset)
    return schema


def test_create_table_columns_types_nullability_defaults_and_keys() -> None:
    schema = build("""
        CREATE TABLE public.orders (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          tenant_id uuid NOT NULL REFERENCES tenants (id),
          code varchar(20) DEFAULT 'x',
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT orders_code_key UNIQUE (tenant_id, code)
        );
    """)
    table = schema.tables[("public", "orders")]
    assert str(table.columns["code"].type) == "varchar(20)"
    assert table.columns["tenant_id"].not_null and not table.columns["code"].not_null
    assert table.columns["id"].identity
    assert table.primary_key is not None and table.primary_key.columns == ("id",)
    foreign = table.constraints["orders_tenant_id_fkey"]
    assert foreign.references == ("public", "tenants") and foreign.validated
    assert table.has_index_led_by(("tenant_id",))  # the unique constraint's index
    assert set(table.indexes) == {"orders_pkey", "orders_code_key"}


def test_alter_table_changes_columns_and_constraint_validation() -> None:
    schema = build("""
        CREATE TABLE t (id int, a varchar(5), b text);
        ALTER TABLE t ALTER COLUMN a TYPE text, ALTER COLUMN b SET NOT NULL, DROP COLUMN id,
          ADD CONSTRAINT b_present CHECK (b IS NOT NULL) NOT VALID;
    """)
    table = schema.tables[("public", "t")]
    assert str(table.columns["a"].type) == "text"
    assert table.columns["b"].not_null
    assert "id" not in table.columns
    assert not table.constraints["b_present"].validated
    build("ALTER TABLE t VALIDATE CONSTRAINT b_present;", schema)
    assert table.constraints["b_present"].validated


def test_indexes_partial_unique_and_dropped() -> None:
    schema = build("""
        CREATE TABLE t (a int, b int);
        CREATE UNIQUE INDEX t_a ON t (a) WHERE b > 0;
        CREATE INDEX ON t (lower(b::text));
    """)
    table = schema.tables[("public", "t")]
    assert table.indexes["t_a"].unique and table.indexes["t_a"].partial
    assert table.indexes["t_expr_idx"].columns == (None,)
    build("DROP INDEX t_a;", schema)
    assert "t_a" not in table.indexes and ("public", "t_a") not in schema.indexes


def test_rls_policies_triggers_functions_views_roles() -> None:
    schema = build("""
        CREATE TABLE docs (id uuid, tenant_id uuid);
        ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY docs_select ON docs FOR SELECT TO authenticated
          USING (tenant_id = (select auth.uid()));
        CREATE FUNCTION log_activity() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
          SET search_path = '' AS $$ BEGIN RETURN NULL; END $$;
        CREATE TRIGGER docs_log AFTER INSERT OR UPDATE OR DELETE ON docs
          FOR EACH ROW EXECUTE FUNCTION log_activity();
        CREATE VIEW docs_view WITH (security_invoker = true) AS SELECT * FROM docs;
        CREATE ROLE reporting NOLOGIN;
        CREATE EXTENSION IF NOT EXISTS pgcrypto;
    """)
    table = schema.tables[("public", "docs")]
    assert table.rls_enabled
    policy = table.policies["docs_select"]
    assert (policy.command, policy.roles, policy.permissive) == ("select", ("authenticated",), True)
    trigger = table.triggers["docs_log"]
    assert (trigger.timing, trigger.row, trigger.events) == (
        "after", True, frozenset({"insert", "update", "delete"}))
    function = schema.functions[("public", "log_activity")]
    assert function.security_definer and function.search_path_set
    view = schema.tables[("public", "docs_view")]
    assert view.kind == "view" and view.options["security_invoker"] == "true"
    assert "reporting" in schema.roles and "pgcrypto" in schema.extensions


def test_renames_and_drops_follow_the_objects() -> None:
    schema = build("""
        CREATE TABLE a (x int);
        CREATE INDEX a_x ON a (x);
        ALTER TABLE a RENAME COLUMN x TO y;
        ALTER TABLE a RENAME TO b;
    """)
    table = schema.tables[("public", "b")]
    assert "y" in table.columns and table.indexes["a_x"].columns == ("y",)
    assert schema.indexes[("public", "a_x")].table == ("public", "b")
    build("DROP TABLE b;", schema)
    assert ("public", "b") not in schema.tables and ("public", "a_x") not in schema.indexes


def test_search_path_decides_where_unqualified_objects_go() -> None:
    schema = build("SET search_path = storage, public; CREATE TABLE objects (id int);")
    assert ("storage", "objects") in schema.tables
    assert schema.table((None, "objects")) is schema.tables[("storage", "objects")]


def test_changeset_objects_are_new_until_marked_history() -> None:
    schema = build("CREATE TABLE old (id int);")
    build("CREATE TABLE fresh (id int); ALTER TABLE old ADD COLUMN b int;", schema,
          in_changeset=True)
    assert schema.tables[("public", "fresh")].new
    assert schema.tables[("public", "old")].altered and not schema.tables[("public", "old")].new
    schema.mark_history()
    assert not schema.tables[("public", "fresh")].new
    assert not schema.tables[("public", "old")].altered


def test_unknown_objects_are_left_alone() -> None:
    schema = build(
        "ALTER TABLE ghost ADD COLUMN a int; DROP INDEX nothing; COMMENT ON TABLE x IS 'y';"
    )
    assert schema.tables == {}


def test_a_temporary_table_lives_in_pg_temp_and_shadows_a_table_of_the_same_name() -> None:
    schema = build("CREATE TABLE public.staging (id bigint);\n"
                   "CREATE TEMP TABLE staging (id bigint, note text);\n"
                   "CREATE INDEX staging_note_idx ON staging (note);")
    temporary = schema.tables[("pg_temp", "staging")]
    assert temporary.kind == "temporary table"
    assert "staging_note_idx" in temporary.indexes
    assert schema.tables[("public", "staging")].indexes == {}


def test_functions_are_found_by_name_in_any_schema_until_dropped() -> None:
    schema = build("""
        CREATE FUNCTION audit.log_activity() RETURNS trigger LANGUAGE sql AS 'SELECT 1';
        CREATE FUNCTION public.log_activity() RETURNS trigger LANGUAGE sql AS 'SELECT 1';
        CREATE OR REPLACE FUNCTION audit.log_activity() RETURNS trigger LANGUAGE sql AS 'SELECT 2';
    """)
    assert schema.function_named("log_activity") == ("audit", "log_activity")
    build("DROP FUNCTION audit.log_activity();", schema)
    assert schema.function_named("log_activity") == ("public", "log_activity")
    build("DROP FUNCTION log_activity();", schema)
    assert schema.function_named("log_activity") is None and not schema.functions
