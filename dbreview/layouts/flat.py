"""Layouts with one file per migration (and direction) in a single directory.

    20250101120000_name.sql                 Supabase CLI, dbmate, goose (sections inside)
    20250101120000_name.down.sql            its down migration (paired by version)
    V1.2__name.sql / U1.2__name.sql          Flyway (U = undo), R__name.sql repeatable
    0001_name.up.sql / 0001_name.down.sql   golang-migrate, goose, pop (kratos: .postgres.,
                                             .autocommit.; other dialects' files are skipped)
    0009-name.sql                           postgres-migrations

A down file is paired with the up migration of the same version and never becomes a migration
of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbreview.layouts.base import Layout, Migration, TransactionMode

_FLYWAY = re.compile(r"^(?P<kind>[VUR])(?P<version>[0-9][0-9._]*)?__(?P<name>.+)\.sql$")
_UPDOWN = re.compile(
    r"^(?P<version>\d+)[_-](?P<name>.+?)(?:\.(?P<dialect>[a-z0-9]+))??"
    r"(?P<autocommit>\.autocommit)?\.(?P<direction>up|down)\.sql$"
)
_VERSIONED = re.compile(r"^(?P<version>\d+)[_-](?P<name>.+)\.sql$")
_POSTGRES_DIALECTS = {"postgres", "postgresql", "pg"}
_OTHER_DIALECTS = {"cockroach", "cockroachdb", "crdb", "mysql", "mariadb", "sqlite", "sqlite3",
                   "mssql", "sqlserver", "clickhouse", "oracle", "spanner"}

DownKey = tuple[str, str]  # (family: "flyway" or "", version)


def flat_migrations(directory: Path, files: list[Path]) -> list[Migration]:
    """The up migrations among `files`, each with its down file when there is one."""
    ups: list[Migration] = []
    downs: dict[DownKey, Path] = {}
    updown = {path: match for path in files if (match := _UPDOWN.match(path.name))}
    preferred = _dialect_files(updown)
    for path in files:
        if (flyway := _FLYWAY.match(path.name)) is not None:
            _add_flyway(flyway, path, ups, downs)
        elif path in updown:
            if path in preferred:
                _add_updown(updown[path], path, ups, downs)
        elif (versioned := _VERSIONED.match(path.name)) is not None:
            ups.append(Migration(path=path, version=versioned.group("version"),
                                 name=versioned.group("name"), layout=Layout.VERSIONED))
        else:
            ups.append(Migration(path=path, version=None, name=path.stem,
                                 layout=Layout.UNVERSIONED))
    for migration in ups:
        if migration.version is not None:
            family = "flyway" if migration.layout is Layout.FLYWAY else ""
            migration.down_path = downs.pop((family, migration.version), None)
    return ups


def _dialect(match: re.Match[str]) -> str | None:
    """The file's SQL dialect (`.postgres.`, `.mysql.`), None for a generic file."""
    dialect = match.group("dialect")
    return dialect if dialect in _POSTGRES_DIALECTS | _OTHER_DIALECTS else None


def _dialect_files(updown: dict[Path, re.Match[str]]) -> set[Path]:
    """The up/down files to read: PostgreSQL's and generic ones, and a `.postgres.` file wins
    over the generic file of the same version and direction."""
    def key(match: re.Match[str]) -> tuple[str, str]:
        return match.group("version"), match.group("direction")

    specific = {key(match) for match in updown.values() if _dialect(match) in _POSTGRES_DIALECTS}
    return {
        path for path, match in updown.items()
        if _dialect(match) in _POSTGRES_DIALECTS
        or (_dialect(match) is None and key(match) not in specific)
    }


def _add_updown(match: re.Match[str], path: Path, ups: list[Migration],
                downs: dict[DownKey, Path]) -> None:
    version = match.group("version")
    if match.group("direction") == "down":
        downs[("", version)] = path
        return
    name = match.group("name")
    if match.group("dialect") and _dialect(match) is None:
        name = f"{name}.{match.group('dialect')}"  # a dot in the name, not a dialect
    ups.append(Migration(
        path=path, version=version, name=name, layout=Layout.UP_DOWN,
        transaction=TransactionMode.NONE if match.group("autocommit") else None,
    ))


def _add_flyway(match: re.Match[str], path: Path, ups: list[Migration],
                downs: dict[DownKey, Path]) -> None:
    kind, version, name = match.group("kind"), match.group("version"), match.group("name")
    if kind == "U" and version:
        downs[("flyway", version)] = path
    elif kind == "V" and version:
        ups.append(Migration(path=path, version=version, name=name, layout=Layout.FLYWAY))
    else:  # repeatable migrations run after the versioned ones, by name
        ups.append(Migration(path=path, version=None, name=name,
                             layout=Layout.FLYWAY_REPEATABLE))
