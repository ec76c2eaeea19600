"""Layouts with one directory per migration.

    2020-06-30-135809_name/up.sql + down.sql    diesel, sourcegraph
    20250101120000_name/migration.sql            Prisma (+ down.sql, the rollback script
                                                  Prisma's docs generate with `migrate diff`)
"""

from __future__ import annotations

import re
from pathlib import Path

from dbreview.layouts.base import Layout, Migration, TransactionMode

_VERSION = re.compile(r"^(?P<version>[0-9][0-9-]*[0-9]|[0-9]+)(?:[_-](?P<name>.*))?$")


def folder_migration(folder: Path) -> Migration | None:
    """The migration of a directory holding up.sql or migration.sql, else None."""
    match = _VERSION.match(folder.name)
    version = match.group("version").replace("-", "") if match else None
    name = (match.group("name") or folder.name) if match else folder.name
    down = folder / "down.sql"
    down_path = down if down.is_file() else None
    prisma = folder / "migration.sql"
    if prisma.is_file():
        # Prisma sends the file as one script: PostgreSQL runs 2+ statements as one transaction.
        return Migration(path=prisma, version=version, name=name, layout=Layout.PRISMA,
                         down_path=down_path, transaction=TransactionMode.SCRIPT)
    up = folder / "up.sql"
    if up.is_file():
        return Migration(path=up, version=version, name=name, layout=Layout.FOLDERS,
                         down_path=down_path)
    return None


def is_migration_folder(folder: Path) -> bool:
    return (folder / "up.sql").is_file() or (folder / "migration.sql").is_file()
