"""down-error: a down migration that fails, or that does not bring the schema back."""

from __future__ import annotations

from pathlib import Path

from dbreview.engine import Changeset
from dbreview.shadow.catalog import differences
from tests.shadow.support import findings, shadow, shadow_run
from tests.support import Project, review_changeset

HISTORY = {"migrations/0001_customers.up.sql": "CREATE TABLE customers (id bigint PRIMARY KEY);",
           "migrations/0001_customers.down.sql": "DROP TABLE customers;"}
UP = ("-- invoices of customers\n"
      "CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers);\n"
      "CREATE INDEX invoices_customer_idx ON invoices (customer_id);\n")


def _review(root: Path, up: str, down: str) -> Changeset:
    project = Project(root=root, directory="migrations", files=HISTORY, changeset=[
        ("0002_invoices.up.sql", up), ("0002_invoices.down.sql", down)])
    with shadow() as session:
        return review_changeset(project, shadow=session)


def test_a_down_migration_that_fails_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    changeset = _review(tmp_path, UP, "DROP INDEX invoices_customer_idx;\nDROP TABLE invoice;\n")
    ((line, message),) = findings(changeset, "down-error")
    assert line == 1
    assert message.startswith("0002_invoices.down.sql fails at line 2 on PostgreSQL ")
    assert 'table "invoice" does not exist' in message


def test_a_down_migration_that_leaves_the_schema_changed_is_reported(tmp_path: Path) -> None:
    changeset = _review(tmp_path, UP, "DROP INDEX invoices_customer_idx;\n")
    ((_, message),) = findings(changeset, "down-error")
    # its columns, constraints and index are said with it
    assert message == ("up then down (0002_invoices.down.sql) leaves a schema different from "
                       "before: table public.invoices is left behind")


def test_a_down_migration_that_restores_the_schema_is_clean(tmp_path: Path) -> None:
    changeset = _review(tmp_path, UP, "DROP TABLE invoices;\n")
    assert findings(changeset, "down-error") == []
    assert findings(changeset, "apply-error") == []


def test_the_round_trip_is_rolled_back_so_the_next_file_finds_the_up(tmp_path: Path) -> None:
    project = Project(root=tmp_path, directory="migrations", files=HISTORY, changeset=[
        ("0002_invoices.up.sql", UP), ("0002_invoices.down.sql", "DROP TABLE invoices;"),
        ("0003_total.up.sql", "ALTER TABLE invoices ADD COLUMN total numeric;"),
        ("0003_total.down.sql", "ALTER TABLE invoices DROP COLUMN total;")])
    with shadow() as session:
        changeset = review_changeset(project, shadow=session)
    assert findings(changeset, "apply-error") == findings(changeset, "down-error") == []
    traced = [(trace.path.rsplit("/", 1)[-1], trace.statement.span.line)
              for trace in shadow_run(changeset).traces]
    assert ("0003_total.up.sql", 1) in traced


def test_a_failing_down_section_points_at_its_own_line(tmp_path: Path) -> None:
    goose = ("-- +goose Up\n"
             "CREATE TABLE invoices (id bigint PRIMARY KEY);\n"
             "-- +goose Down\n"
             "DROP TABLE invoicez;\n")
    project = Project(root=tmp_path, directory="migrations", changeset=[
        ("20250101000000_invoices.sql", goose)])
    with shadow() as session:
        changeset = review_changeset(project, shadow=session)
    ((line, message),) = findings(changeset, "down-error")
    assert line == 4
    assert message.startswith("the down section of 20250101000000_invoices.sql fails at line 4")


def test_differences_name_each_object_once_tables_first() -> None:
    before = {("table", "public.a", ""): "BASE TABLE", ("column", "public.a", "x"): "integer",
              ("table", "public.b", ""): "BASE TABLE", ("column", "public.b", "y"): "text",
              ("column", "public.b", "z"): "text"}
    after = {("table", "public.b", ""): "BASE TABLE", ("column", "public.b", "y"): "bigint",
             ("index", "public.b", "b_y_idx"): "CREATE INDEX b_y_idx ON public.b (y)"}
    assert differences(before, after) == [
        "table public.a is gone",
        "column public.b.y changed (text → bigint)",
        "column public.b.z is gone",
        "index b_y_idx on public.b is left behind",
    ]
