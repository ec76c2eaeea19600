from __future__ import annotations

import re
from collections.abc import Iterator

from dbreview.layouts.base import Layout, Migration
from dbreview.rules.base import FileContext, Hit, Scope, rule

# Layouts whose file names the author chooses (folder layouts fix the file name: up.sql,
# migration.sql), so a pattern set in the config can judge them.
_NAMED_FILES = (Layout.VERSIONED, Layout.UP_DOWN, Layout.FLYWAY)


@rule(
    id="migration-filename",
    category="hygiene",
    severity="warning",
    summary="A migration file name without a version, or off the file name pattern",
    rationale="Runners apply migrations in version order and record which versions ran. A "
    "file without a version is ordered last or skipped (the Supabase CLI skips names that are "
    "not `<timestamp>_name.sql`), and sequential numbers collide when two branches take the "
    "same next number; a UTC timestamp does not. Each tool layout keeps its own names: Flyway "
    "`V2__name.sql` (and `R__name.sql`, repeatable, versionless by design), golang-migrate, "
    "goose and pop `0002_name.up.sql`, diesel and sourcegraph `<version>_name/up.sql`, Prisma "
    "`<version>_name/migration.sql`. Plain `<version>_name.sql` files (Supabase CLI, dbmate, "
    "goose) are held to `filename_pattern` (default `YYYYMMDDHHMMSS_name.sql`, lower-case "
    "snake case), unless the set's history numbers its plain files another way (the "
    "`0009-name.sql` of postgres-migrations, goose's `00001_name.sql`): then the project's "
    "own style stands. A `filename_pattern` set in the config judges every file name the "
    "author chooses, in any flat layout.",
    remediation="Name the file `YYYYMMDDHHMMSS_name.sql` with the UTC time it was written "
    "(`supabase migration new name` does this)",
    bad="-- supabase/migrations/add_invoices.sql\nCREATE TABLE invoices (id bigint PRIMARY KEY);",
    good="-- supabase/migrations/20250101120000_add_invoices.sql\n"
    "CREATE TABLE invoices (id bigint PRIMARY KEY);",
    scope=Scope.FILE,
    config_keys=["filename_pattern"],
)
def check(file: FileContext) -> Iterator[Hit]:
    changeset = file.changeset
    if changeset is None or changeset.repository is None:
        return  # standard input: there is no file name to judge
    migration = file.migration
    if migration.layout is Layout.FLYWAY_REPEATABLE:
        return
    if migration.version is None:
        yield Hit(message=f"{migration.label} carries no version: runners cannot order it "
                  "among the other migrations, and some skip it",
                  remediation=_rename_hint(migration))
        return
    pattern = changeset.config.filename_pattern
    chosen = "filename_pattern" in changeset.config.model_fields_set
    if not _judged(migration, changeset.history, pattern, chosen=chosen):
        return
    if not re.search(pattern, migration.path.name):
        remediation = (f"Rename the file so that its name matches {pattern} "
                       "(`filename_pattern` in .github/dbreview.yml)"
                       if chosen else _rename_hint(migration))
        yield Hit(message=f"{migration.path.name} does not match the migration file name "
                  f"pattern {pattern}", remediation=remediation)


def _judged(migration: Migration, history: list[Migration], pattern: str, *,
            chosen: bool) -> bool:
    """Whether the pattern applies to this file's name."""
    if chosen:
        return migration.layout in _NAMED_FILES
    if migration.layout is not Layout.VERSIONED:
        return False
    any_plain = False
    for earlier in history:  # stops at the first match: this runs for every reviewed file
        if earlier.layout is Layout.VERSIONED:
            if re.search(pattern, earlier.path.name):
                return True
            any_plain = True
    return not any_plain


def _rename_hint(migration: Migration) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", migration.name.lower()).strip("_") or "name"
    if migration.layout in (Layout.FOLDERS, Layout.PRISMA):
        return (f"Rename the folder {migration.path.parent.name} to "
                f"YYYYMMDDHHMMSS_{slug} (the UTC time it was written)")
    return (f"Rename the file to YYYYMMDDHHMMSS_{slug}.sql with the UTC time it was written "
            f"(`supabase migration new {slug}` does this)")


RULE = check
