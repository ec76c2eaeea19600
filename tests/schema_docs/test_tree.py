"""The documentation tree: its layout, what each page says, and that untrusted names and
comments cannot break the Markdown."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt
from pglast import parse_sql

from dbreview.config import Config, parse_config
from dbreview.schema.load import load_history
from dbreview.schema_docs import build_docs, table_stub, with_marker
from tests.explain.schemas import PROJECT_SCHEMA, TENANTS, schema_of

CONFIG = parse_config({}, "test config")
BACKUP_POLICY = "docs/operations/backups/backup_policy.md"


def _docs(root: Path, *migrations: str, config: Config = CONFIG) -> dict[str, str]:
    schema_of(root, *migrations, config=config)  # writes the migrations
    history = load_history([root / "supabase" / "migrations"], config, root)
    return {file.path: file.body for file in build_docs(history, config, root)}


def test_the_tree_follows_the_conventions_layout(tmp_path: Path) -> None:
    assert sorted(_docs(tmp_path, *PROJECT_SCHEMA)) == [
        "docs/operations/backups/backup_policy.md",
        "docs/schema/README.md",
        "docs/schema/enums/README.md",
        "docs/schema/index_strategy.md",
        "docs/schema/migrations_summary/README.md",
        "docs/schema/relationships/README.md",
        "docs/schema/rls_rules.md",
        "docs/schema/tables/projects.md",
        "docs/schema/tables/tag_notes.md",
        "docs/schema/tables/tags.md",
        "docs/schema/tables/tasks.md",
        "docs/schema/tables/tenants.md",
        "docs/schema/triggers/README.md",
    ]


def test_docs_dir_moves_the_table_pages_and_the_schema_pages_beside_them(tmp_path: Path) -> None:
    config = parse_config({"docs": {"dir": "documentation/db/tables/"}}, "test config")
    pages = _docs(tmp_path, TENANTS, "CREATE SCHEMA billing;\n"
                  "CREATE TABLE billing.\"a/../../b\" (id int);", config=config)
    assert "documentation/db/tables/tenants.md" in pages
    assert "documentation/db/tables/billing.a_.._.._b.md" in pages  # never a path outside
    assert "documentation/db/relationships/README.md" in pages
    assert "[`public.tenants`](tables/tenants.md)" in pages["documentation/db/README.md"]


def test_a_table_page_has_every_section_of_the_conventions(tmp_path: Path) -> None:
    page = _docs(tmp_path, *PROJECT_SCHEMA)["docs/schema/tables/tasks.md"]
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings == ["## Purpose", "## Columns", "## Constraints", "## Indexes",
                        "## Relationships", "## Row level security", "## Triggers",
                        "## Example queries"]
    assert "Work items of a project" in page
    assert "| `status` | `text` | not null | `'open'` | one of open, done |" in page
    assert "- `tasks_status_check`: check `status IN ('open', 'done')`" in page
    assert "| `tasks_tenant_created_idx` | `tenant_id, created_at` | no | btree |" in page
    assert "```mermaid\nerDiagram\n" in page
    assert "- `tasks_members: SELECT for authenticated, USING" in page
    assert "- `tasks_log: after insert, update, delete, for each row, runs " \
        "public.log_activity()`" in page
    query = page.split("```sql\n", 1)[1].split("```", 1)[0]
    parse_sql(query)


def test_a_stub_without_a_comment_asks_for_the_purpose(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, TENANTS)
    stub = table_stub(schema, ("public", "tenants"), CONFIG)
    assert "_To fill in: what one row means, who writes it, which columns hold personal " \
        "data._" in stub
    assert "dbreview:generated" not in stub  # the marker is added when the page is written


def test_names_and_comments_from_the_sql_cannot_break_the_markdown(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, """
        CREATE TABLE public.notes ("a|b" text, body text);
        COMMENT ON COLUMN public.notes.body IS 'x | y <script>alert(1)</script> `z';
        COMMENT ON TABLE public.notes IS '<!-- dbreview:review --> # not a heading';
    """)
    stub = table_stub(schema, ("public", "notes"), CONFIG)
    tokens = MarkdownIt("commonmark").enable("table").parse(stub)
    rows = [index for index, token in enumerate(tokens) if token.type == "tr_open"]
    for row in rows:
        cells = 0
        for token in tokens[row + 1:]:
            if token.type == "tr_close":
                break
            cells += token.type in ("th_open", "td_open")
        assert cells == 5
    assert "<script>" not in stub and "<!--" not in stub
    html_blocks = [token for token in tokens if token.type in ("html_block", "html_inline")]
    assert html_blocks == []


def test_enums_and_check_value_lists_are_listed(tmp_path: Path) -> None:
    pages = _docs(tmp_path, *PROJECT_SCHEMA, "CREATE TYPE public.priority AS ENUM ('low', 'high');")
    page = pages["docs/schema/enums/README.md"]
    assert "- `public.priority`: `low`, `high`" in page
    assert "- `public.tasks.status`: `open`, `done`" in page


def test_the_migrations_summary_says_why_and_what_each_migration_changed(
    tmp_path: Path,
) -> None:
    pages = _docs(tmp_path, "-- Tenants: one row per customer.\n" + TENANTS,
                  "/* Projects, per tenant. */\n" + PROJECTS_WITHOUT_RLS,
                  "-- The projects are gone.\nALTER TABLE public.tenants ADD COLUMN plan text;\n"
                  "DROP TABLE public.projects;")
    page = pages["docs/schema/migrations_summary/README.md"]
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows == [
        "| `supabase/migrations/20250101000000_step_0.sql` | Tenants: one row per customer. | "
        "table public.tenants |  |  |",
        "| `supabase/migrations/20250101000001_step_1.sql` | Projects, per tenant. | "
        "table public.projects, index projects_tenant_idx |  |  |",
        "| `supabase/migrations/20250101000002_step_2.sql` | The projects are gone. |  | "
        "public.tenants | public.projects |",
    ]


PROJECTS_WITHOUT_RLS = """
CREATE TABLE public.projects (id uuid PRIMARY KEY, tenant_id uuid NOT NULL);
CREATE INDEX projects_tenant_idx ON public.projects (tenant_id);
"""


def test_index_strategy_and_rls_pages_name_what_is_missing(tmp_path: Path) -> None:
    pages = _docs(tmp_path, TENANTS, PROJECTS_WITHOUT_RLS,
                  "CREATE TABLE public.files (id bigint PRIMARY KEY, tenant_id uuid NOT NULL "
                  "REFERENCES public.tenants);")
    strategy = pages["docs/schema/index_strategy.md"]
    assert "| `public.files` | `(id)` | an index leading with `tenant_id` |" in strategy
    assert "| `public.projects` | `(id)`, `(tenant_id)` |  |" in strategy
    rls = pages["docs/schema/rls_rules.md"]
    assert "## `public.files` (tenant table)\n\nRow level security is off" in rls


def test_the_backup_policy_template_only_when_the_repository_has_none(tmp_path: Path) -> None:
    assert BACKUP_POLICY in _docs(tmp_path / "none", TENANTS)
    generated = tmp_path / "generated"
    (generated / BACKUP_POLICY).parent.mkdir(parents=True)
    (generated / BACKUP_POLICY).write_text(with_marker("# Backup policy\n"))
    assert BACKUP_POLICY in _docs(generated, TENANTS)
    own = tmp_path / "own"
    (own / BACKUP_POLICY).parent.mkdir(parents=True)
    (own / BACKUP_POLICY).write_text("# Backups\nNightly, kept 30 days.\n")
    assert BACKUP_POLICY not in _docs(own, TENANTS)
