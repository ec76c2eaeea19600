"""Finding migration sets on disk and putting them in order.

A migration set is one directory's history: its `*.sql` files and its migration folders. A
directory tree may hold several independent sets (one per database); each is ordered alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dbreview.errors import InputError
from dbreview.layouts.base import Migration
from dbreview.layouts.flat import flat_migrations
from dbreview.layouts.folders import folder_migration, is_migration_folder

_SKIPPED_DIRECTORIES = {"node_modules", "vendor", "__pycache__"}
_FOLDER_FILES = {"up.sql", "down.sql", "migration.sql"}


@dataclass(slots=True)
class MigrationSet:
    root: Path
    migrations: list[Migration]


def load_set(root: Path) -> MigrationSet:
    """The migrations directly in `root` (files and migration folders), in order."""
    try:
        entries = sorted(root.iterdir())
    except OSError as error:
        raise InputError(f"{root}: cannot list ({error.strerror}); check the path") from error
    files = [entry for entry in entries if entry.suffix == ".sql" and entry.is_file()]
    migrations = flat_migrations(root, files)
    for entry in entries:
        if entry.is_dir() and (migration := folder_migration(entry)) is not None:
            migrations.append(migration)
    migrations.sort(key=lambda migration: migration.sort_key)
    return MigrationSet(root=root, migrations=migrations)


def discover_sets(directory: Path) -> list[MigrationSet]:
    """Every migration set in the tree under `directory`."""
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory; check the path")
    sets: list[MigrationSet] = []
    for current, subdirectories, filenames in os.walk(directory):
        here = Path(current)
        folders = {name for name in subdirectories if is_migration_folder(here / name)}
        subdirectories[:] = sorted(
            name for name in subdirectories
            if not name.startswith(".") and name not in _SKIPPED_DIRECTORIES
            and name not in folders
        )
        if folders or any(name.endswith(".sql") for name in filenames):
            migration_set = load_set(here)
            if migration_set.migrations:
                sets.append(migration_set)
    return sets


def set_for_file(path: Path) -> tuple[MigrationSet, Migration]:
    """The set a named migration file belongs to, and its migration (a down file names its up)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    in_folder = path.name in _FOLDER_FILES and is_migration_folder(path.parent)
    root = path.parent.parent if in_folder else path.parent
    migration_set = load_set(root)
    resolved = path.resolve()
    for migration in migration_set.migrations:
        if resolved in (migration.path.resolve(),
                        migration.down_path.resolve() if migration.down_path else None):
            return migration_set, migration
    version = path.name.split("_", 1)[0]
    twin = next((m for m in migration_set.migrations if m.version == version), None)
    if twin is not None:
        raise SupersededFile(f"skipped {path}: PostgreSQL runs {twin.path.name} for version "
                             f"{version} instead")
    raise InputError(
        f"{path}: not a migration of {root} (another dialect's file?); name an up migration"
    )


class SupersededFile(InputError):
    """A generic file whose version has a PostgreSQL-specific file (pop's `.postgres.`): the
    runner never applies it on PostgreSQL, so there is nothing to review."""
