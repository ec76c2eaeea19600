from __future__ import annotations

import re
from collections.abc import Iterator

from dbreview.layouts.base import Layout, Migration
from dbreview.layouts.sections import section_style
from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.rules.hygiene._creation import creates_temporary
from dbreview.sql.parse import Statement

# Statements that change no schema: data changes and maintenance. A down migration cannot
# restore overwritten rows, so a file made only of these is not asked for one. DO blocks are
# counted with them: their dynamic SQL cannot be followed, and they mostly move data.
_NOTHING_TO_UNDO = frozenset({
    "DoStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt", "SelectStmt",
    "VariableSetStmt", "VariableShowStmt", "TransactionStmt", "VacuumStmt", "ReindexStmt",
    "ClusterStmt", "RefreshMatViewStmt", "NotifyStmt", "CheckPointStmt", "LockStmt",
    "ExplainStmt", "DiscardStmt",
})


@rule(
    id="migration-not-reversible",
    category="hygiene",
    severity="warning",
    summary="A schema migration without a down migration",
    rationale="When a deploy goes wrong, a tested down migration turns an outage into a "
    "rollback. dbreview pairs the down part each layout knows: `<version>_name.down.sql` "
    "beside `<version>_name.up.sql` (golang-migrate, goose, pop) or beside a plain "
    "`<version>_name.sql` (the Supabase CLI does not run it; it is kept to roll back by "
    "hand), Flyway's `U<version>__name.sql`, `down.sql` in a diesel, sourcegraph or Prisma "
    "migration folder, and goose `-- +goose Down` or dbmate `-- migrate:down` sections. An "
    "empty down file or section counts as none; one holding only a comment that says why "
    "nothing can be undone counts as an answer. Files that change no schema (data changes "
    "such as INSERT and UPDATE, DO blocks, temporary helper tables and functions, "
    "maintenance) are not asked for one: a down migration cannot restore overwritten rows. "
    "Flyway repeatable migrations have no undo.",
    remediation="Add a down migration that undoes the schema change",
    bad="-- 20250101120000_invoices.sql, and no 20250101120000_invoices.down.sql\n"
    "CREATE TABLE invoices (id bigint PRIMARY KEY);",
    good="-- 20250101120000_invoices.down.sql\nDROP TABLE invoices;",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    migration = file.migration
    if file.has_down or migration.layout is Layout.FLYWAY_REPEATABLE:
        return
    if not any(_changes_schema(statement) for statement in file.statements):
        return
    if migration.down_path is not None:
        down = migration.down_path.name
        yield Hit(message=f"the down migration {down} of {migration.label} is empty: a "
                  "rollback would leave the schema as it is",
                  remediation=f"Write the statements that undo {migration.label} in {down}; "
                  "when it cannot be undone, say why in a comment there")
        return
    yield Hit(message=f"{migration.label} has no down migration: a failed deploy cannot be "
              "rolled back", remediation=_how_to_add(file))


def _changes_schema(statement: Statement) -> bool:
    """Whether a down migration could undo it: not a data change, DO block, maintenance or
    temporary object (and statements that do not parse are parse-error's)."""
    return (bool(statement.kind) and statement.kind not in _NOTHING_TO_UNDO
            and not creates_temporary(statement))


def _how_to_add(file: FileContext) -> str:
    migration = file.migration
    style = section_style(file.text.up)
    if style == "goose":
        return "Add a `-- +goose Down` section that undoes the `-- +goose Up` section"
    if style == "dbmate":
        return "Add a `-- migrate:down` section that undoes the `-- migrate:up` section"
    return _down_file_hint(migration)


def _down_file_hint(migration: Migration) -> str:
    name, folder = migration.path.name, migration.path.parent.name
    if migration.layout is Layout.UP_DOWN:
        return f"Add {re.sub(r'[.]up[.]sql$', '.down.sql', name)} that undoes {name}"
    if migration.layout is Layout.FLYWAY:
        return (f"Add U{migration.version}__{migration.name}.sql, the Flyway undo migration "
                f"of {name}")
    if migration.layout is Layout.FOLDERS:
        return f"Add down.sql to {folder} that undoes up.sql"
    if migration.layout is Layout.PRISMA:
        return (f"Generate {folder}/down.sql with `prisma migrate diff --script` (from the new "
                "schema to the previous one); `prisma db execute` runs it to roll back")
    if migration.layout is Layout.UNVERSIONED:
        return ("Give the file a version (YYYYMMDDHHMMSS_name.sql), then add "
                "YYYYMMDDHHMMSS_name.down.sql beside it that undoes it")
    return (f"Add {migration.path.stem}.down.sql beside it that undoes it (a down file is "
            "paired by version; the Supabase CLI does not run it, it is kept to roll back by "
            "hand)")


RULE = check
