"""The review model built from real migrations: what changes and why, backfill, downtime and
data loss per file, per-table schema changes, the activity-log design, the safety checklist,
explanations and documentation stubs; and `--format json` is that model."""

from __future__ import annotations

import json
from pathlib import Path

from pglast import parse_sql

from dbreview.commands.check import CheckRequest, build_review
from dbreview.render.markdown import render
from dbreview.review.build import EXPLAINED_TABLES
from dbreview.review.model import Item, Review, TableChange
from dbreview.review.safety import NOT_SAFETY, SAFETY_CATEGORIES, SAFETY_RULES
from dbreview.rules import registry
from tests.render.prs import (
    COMPLIANT_TENANT_TABLE,
    DESTRUCTIVE_CHANGE,
    MIGRATIONS,
    NO_FINDINGS,
    RISKY_CHANGE,
    PullRequest,
)


def _pr(name: str, sql: str, **files: str) -> PullRequest:
    changes = {f"{MIGRATIONS}/20250305100000_{name}.sql": sql,
               f"{MIGRATIONS}/20250305100000_{name}.down.sql": "SELECT 1;\n"}
    return PullRequest(name=name, title="", body="", changes={**changes, **files})


def _table(review: Review, name: str) -> TableChange:
    return next(table for table in review.impact.tables if table.name == name)


def _item(items: list[Item], name: str) -> Item:
    return next(item for item in items if item.name == name)


def test_why_is_the_header_comment_and_the_pull_request_text(tmp_path: Path) -> None:
    review = RISKY_CHANGE.review(tmp_path)
    [file] = review.files
    assert file.why == ("Task assignees: every task gets the member responsible for it.\n"
                        "Why: the board filters a tenant's tasks by assignee.")
    assert (review.pr_title, review.pr_body) == (RISKY_CHANGE.title, RISKY_CHANGE.body)


def test_runner_markers_are_not_the_why(tmp_path: Path) -> None:
    pr = _pr("markers", "-- migrate:up\n-- Add a note to projects.\n"
                        "ALTER TABLE public.projects ADD COLUMN note text;\n")
    assert pr.review(tmp_path).files[0].why == "Add a note to projects."


def test_what_each_statement_changes(tmp_path: Path) -> None:
    [file] = RISKY_CHANGE.review(tmp_path).files
    assert [change.label for change in file.changes] == [
        "add column public.tasks.assignee_id (uuid not null)",
        "create index tasks_tenant_assignee_idx (on public.tasks (tenant_id, assignee_id))",
        "add foreign key constraint public.tasks.tasks_assignee_fkey",
    ]


def test_backfill_downtime_and_data_loss_per_file(tmp_path: Path) -> None:
    [risky] = RISKY_CHANGE.review(tmp_path / "risky").files
    assert risky.backfill_needed and risky.backfill_reasons[0].startswith(
        "ADD COLUMN assignee_id NOT NULL without a default fails")
    assert (risky.downtime_risk, risky.data_loss) == ("high", False)
    [destructive] = DESTRUCTIVE_CHANGE.review(tmp_path / "destructive").files
    assert destructive.data_loss
    assert destructive.backfill_reasons == [
        "line 10 rewrites every row of public.tasks under ACCESS EXCLUSIVE"]
    [quiet] = NO_FINDINGS.review(tmp_path / "quiet").files
    assert (quiet.backfill_needed, quiet.downtime_risk, quiet.data_loss) == (False, "low", False)


def test_a_new_table_lists_everything_as_added(tmp_path: Path) -> None:
    invoices = _table(COMPLIANT_TENANT_TABLE.review(tmp_path), "public.invoices")
    assert (invoices.change, invoices.new, invoices.tenant_table, invoices.logged) == (
        "created", True, True, True)
    assert [(item.name, item.detail) for item in invoices.columns[:2]] == [
        ("id", "uuid not null default gen_random_uuid()"), ("tenant_id", "uuid not null")]
    assert {item.change for item in invoices.columns + invoices.indexes} == {"added"}
    assert _item(invoices.constraints, "invoices_status_check").detail == (
        "check (status IN ('draft', 'sent', 'paid'))")
    assert invoices.relationships[0].detail == "→ public.tenants (id), many-to-one"
    assert invoices.rls_enabled and invoices.comment == "One bill sent to a tenant for one month."


def test_an_altered_table_lists_what_changed_and_all_its_policies(tmp_path: Path) -> None:
    review = DESTRUCTIVE_CHANGE.review(tmp_path)
    tasks = _table(review, "public.tasks")
    assert [(item.name, item.detail, item.change, item.was) for item in tasks.columns] == [
        ("estimate_minutes", "integer", "changed", "bigint")]
    assert [(item.name, item.change) for item in tasks.policies] == [("tasks_tenant", None)]
    projects = _table(review, "public.projects")
    assert [(item.name, item.change) for item in projects.columns] == [
        ("legacy_code", "dropped")]
    dropped = _table(review, "public.task_imports")
    assert (dropped.change, [item.name for item in dropped.columns]) == (
        "dropped", ["id", "tenant_id", "payload", "created_at"])


def test_rls_and_policy_changes_are_marked(tmp_path: Path) -> None:
    pr = _pr("policies", """\
-- Tighten who may write projects.
SET lock_timeout = '5s';
ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY;
ALTER POLICY projects_tenant ON public.projects USING (tenant_id = (SELECT auth.uid()));
""")
    projects = _table(pr.review(tmp_path), "public.projects")
    assert projects.rls_change == "disabled" and not projects.rls_enabled
    policy = _item(projects.policies, "projects_tenant")
    assert policy.change == "changed"
    assert "user_tenant_ids" in (policy.was or "") and "auth.uid" in policy.detail


def test_the_activity_log_design_when_the_pull_request_changes_it(tmp_path: Path) -> None:
    log = COMPLIANT_TENANT_TABLE.review(tmp_path / "compliant").activity_log
    assert log is not None
    assert log.changed == ["adds log triggers on public.invoices"]
    assert [item.name for item in log.triggers] == ["invoices_log_activity on public.invoices"]
    assert "public.invoices" in log.covered and log.uncovered == []
    # the log function records schema-qualified names (TG_TABLE_SCHEMA), so the query does too
    assert "WHERE table_name = 'public.invoices'" in log.example_query
    parse_sql(log.example_query)
    assert NO_FINDINGS.review(tmp_path / "quiet").activity_log is None


def test_a_table_left_out_of_the_log_is_named(tmp_path: Path) -> None:
    pr = _pr("notes", """\
-- Notes on projects.
SET lock_timeout = '5s';
CREATE TABLE public.notes (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
CREATE TRIGGER projects_log_again AFTER INSERT OR UPDATE OR DELETE ON public.projects
    FOR EACH ROW EXECUTE FUNCTION public.log_activity();
""")
    log = pr.review(tmp_path).activity_log
    assert log is not None and log.uncovered == ["public.notes"]


def test_the_safety_checklist_links_each_failing_item_to_its_findings(tmp_path: Path) -> None:
    safety = {item.id: item for item in DESTRUCTIVE_CHANGE.review(tmp_path / "d").safety}
    assert [(item.id, item.status) for item in safety.values()] == [
        ("secrets", "pass"), ("isolation", "pass"), ("data-loss", "fail")]
    assert [(ref.rule, ref.line) for ref in safety["data-loss"].findings] == [
        ("drop-table", 6), ("drop-column", 8), ("narrowing-type-change", 10),
        ("delete-without-where", 12)]
    unsafe = _pr("open", "-- Let anyone read projects.\nSET lock_timeout = '5s';\n"
                         "ALTER TABLE public.projects DISABLE ROW LEVEL SECURITY;\n")
    isolation = unsafe.review(tmp_path / "u").safety[1]
    assert (isolation.status, isolation.findings[0].rule) == ("fail", "rls-disabled")


def test_every_safety_rule_is_placed() -> None:
    """A new rule in a safety category must join a checklist item or be named as not one."""
    placed = {rule for rules in SAFETY_RULES.values() for rule in rules}
    catalog = {rule.id: rule for rule in registry().rules}
    assert placed <= set(catalog)
    unplaced = {rule_id for rule_id, rule in catalog.items()
                if rule.category in SAFETY_CATEGORIES} - placed - NOT_SAFETY
    assert unplaced == set()


def test_docs_stubs_for_new_tables_without_a_page(tmp_path: Path) -> None:
    pr = _pr("labels", "-- Labels for tasks.\nSET lock_timeout = '5s';\n"
                       "CREATE TABLE public.labels (id uuid PRIMARY KEY, name text NOT NULL);\n")
    [stub] = pr.review(tmp_path / "missing").doc_stubs
    assert (stub.table, stub.path) == ("public.labels", "docs/schema/tables/labels.md")
    assert "public.labels" in stub.content
    assert COMPLIANT_TENANT_TABLE.review(tmp_path / "documented").doc_stubs == []


def test_explanations_and_the_map_cover_the_first_changed_tables(tmp_path: Path) -> None:
    tables = "\n".join(f"CREATE TABLE public.t{number} (id uuid PRIMARY KEY);"
                       for number in range(EXPLAINED_TABLES + 2))
    review = _pr("many", f"-- Many tables.\n{tables}\n").review(tmp_path)
    assert [item.table for item in review.explanations] == [
        f"public.t{number}" for number in range(EXPLAINED_TABLES)]
    assert review.explanations_omitted == 2
    [drawn] = review.relationship_maps
    assert drawn.mermaid.startswith("erDiagram") and len(drawn.tables) == EXPLAINED_TABLES


def test_file_by_file_a_table_created_then_altered_is_created(tmp_path: Path) -> None:
    migrations = tmp_path / MIGRATIONS
    migrations.mkdir(parents=True)
    (migrations / "20250101000000_a.sql").write_text("CREATE TABLE public.a (id int);\n")
    (migrations / "20250102000000_b.sql").write_text("ALTER TABLE public.a ADD COLUMN b int;\n")
    review = build_review(CheckRequest(paths=[migrations], root=tmp_path))
    [table] = review.impact.tables
    assert (table.name, table.change, table.new) == ("public.a", "created", True)


def test_json_is_the_model(tmp_path: Path) -> None:
    review = COMPLIANT_TENANT_TABLE.review(tmp_path)
    document = json.loads(review.to_json())
    assert document["pr_title"] == "Invoices per tenant"
    first = document["impact"]["statements"][0]
    assert (first["sql"], first["lock"], first["tables"]) == (
        "SET lock_timeout = '5s'", None, [])  # every statement, locking or not
    assert document["files"][0]["why"].startswith("Invoices: what a tenant is billed")
    assert document["safety"][0] == {
        "id": "secrets", "title": "Secret handling", "status": "pass",
        "checked": "8 statements and their comments checked for credentials, dumps and server "
                   "file access", "findings": [], "suppressed": 0}
    table = document["impact"]["tables"][0]
    assert "key" not in table and table["columns"][0]["name"] == "id"


def test_secrets_in_defaults_and_comments_are_masked_everywhere(tmp_path: Path) -> None:
    secret = "sk_" + "live_" + "a1B2c3D4e5F6g7H8i9J0k1L2"  # assembled: no key sits in the repo
    pr = _pr("keys", f"""\
-- Payment settings.
SET lock_timeout = '5s';
CREATE TABLE public.payment_settings (
    id uuid PRIMARY KEY,
    api_key text NOT NULL DEFAULT '{secret}' CHECK (api_key <> '{secret}')
);
COMMENT ON TABLE public.payment_settings IS 'was {secret}';
""")
    review = pr.review(tmp_path)
    assert review.explanations and review.doc_stubs  # the texts that quote defaults exist
    document = review.to_json().decode()
    assert secret not in document and "sk_l…" in document
    assert secret not in render(review).replace("\\", "")  # Markdown escapes `_`
