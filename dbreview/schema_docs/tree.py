"""The documentation tree in the conventions' layout, from the schema the migrations build.

    <docs.dir>/<table>.md                one page per table (docs/schema/tables by default)
    <docs.dir>/../README.md              the front page
    <docs.dir>/../relationships/         the relationship map
    <docs.dir>/../enums/                 enum types and CHECK value lists
    <docs.dir>/../triggers/              the trigger list and the activity-log rules
    <docs.dir>/../index_strategy.md      indexes per table, and the ones missing
    <docs.dir>/../rls_rules.md           row level security per table
    <docs.dir>/../migrations_summary/    every migration: why, and what it changed
    docs/operations/backups/backup_policy.md   a template, when the repository has none
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from dbreview.config import Config
from dbreview.explain.facts import sorted_tables
from dbreview.explain.tables import TableExplanation
from dbreview.rules.hygiene.backup_policy_missing import BACKUP_POLICY
from dbreview.rules.tenancy.tenant_tables import TABLE_KINDS
from dbreview.schema.load import History
from dbreview.schema.model import Key, Schema, Table
from dbreview.schema_docs import pages
from dbreview.schema_docs.files import DocFile, is_generated
from dbreview.secrets import mask_secrets

_UNSAFE_FILE_NAME = re.compile(r"[/\\\x00-\x1f]")


def table_stub(schema: Schema, key: Key, config: Config,
               explanation: TableExplanation | None = None) -> str:
    """The page `docs/schema/tables/<table>.md` for one table (without the generated marker):
    what a pull request adding the table should commit. KeyError when there is no such table.
    Credentials its defaults, checks or comments quote are masked. `explanation` is the
    table's `explain_table`, when the caller has it already."""
    return mask_secrets(pages.table_page(schema, key, config, explanation))


def table_doc_path(table: Table, config: Config) -> str:
    """Where a table's page lives: `<name>.md` for public tables, `<schema>.<name>.md` for the
    others (both names satisfy the docs-missing rule)."""
    name = table.name if table.schema == "public" else f"{table.schema}.{table.name}"
    return f"{_tables_dir(config)}/{_UNSAFE_FILE_NAME.sub('_', name)}.md"


def documented_tables(schema: Schema) -> list[Table]:
    return [table for table in sorted_tables(schema) if table.kind in TABLE_KINDS]


def build_docs(history: History, config: Config, root: Path) -> list[DocFile]:
    """Every page of the tree, the backup policy template only when `root` has no policy of a
    person's own."""
    schema = history.schema
    base = PurePosixPath(_tables_dir(config)).parent
    files = [DocFile(table_doc_path(table, config), table_stub(schema, table.key, config))
             for table in documented_tables(schema)]
    schema_pages = [
        ("Relationships", "relationships/README.md", pages.relationships_page(schema)),
        ("Enums and value lists", "enums/README.md", pages.enums_page(schema)),
        ("Triggers and the activity log", "triggers/README.md",
         pages.triggers_page(schema, config)),
        ("Index strategy", "index_strategy.md", pages.index_strategy_page(schema, config)),
        ("Row level security", "rls_rules.md", pages.rls_rules_page(schema, config)),
        ("Migrations summary", "migrations_summary/README.md",
         pages.migrations_summary_page(history)),
    ]
    # policies, defaults and header comments may quote a credential: never into the docs
    files += [DocFile(str(base / relative), mask_secrets(body))
              for _, relative, body in schema_pages]
    table_links = {table.key: _link(base, table_doc_path(table, config))
                   for table in documented_tables(schema)}
    page_links = [(title, quote(relative)) for title, relative, _ in schema_pages]
    files.append(DocFile(str(base / "README.md"),
                         mask_secrets(pages.index_page(schema, config, table_links,
                                                       page_links))))
    policy = root / BACKUP_POLICY
    if not policy.is_file() or is_generated(policy.read_text(encoding="utf-8", errors="replace")):
        files.append(DocFile(BACKUP_POLICY, pages.backup_policy_page()))
    return files


def _tables_dir(config: Config) -> str:
    return config.docs.dir.strip("/") or "."


def _link(base: PurePosixPath, path: str) -> str:
    return quote(posixpath.relpath(path, str(base)))
