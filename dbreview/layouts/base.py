"""What every migration layout produces: ordered migrations with their up and down text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from dbreview.errors import InputError


class TransactionMode(StrEnum):
    """How the migration runner executes one file."""

    WRAPPED = "wrapped"  # the runner wraps the file in BEGIN … COMMIT
    SCRIPT = "script"  # sent as one script: PostgreSQL runs 2+ statements as one transaction
    NONE = "none"  # statement by statement, each committed on its own


class Layout(StrEnum):
    """How a migration's files are named; each names the tools that use it."""

    VERSIONED = "versioned files"  # 20250101120000_name.sql (Supabase CLI, dbmate, goose)
    UP_DOWN = "up-down files"  # 0001_name.up.sql + .down.sql (golang-migrate, goose, pop)
    FLYWAY = "flyway"  # V1.2__name.sql + U1.2__name.sql
    FLYWAY_REPEATABLE = "flyway repeatable"  # R__name.sql: no version by design
    FOLDERS = "up/down folders"  # <version>_name/up.sql + down.sql (diesel, sourcegraph)
    PRISMA = "prisma"  # <version>_name/migration.sql
    UNVERSIONED = "unversioned"  # a .sql file whose name carries no version


@dataclass(frozen=True, slots=True)
class MigrationText:
    up: str
    down: str | None  # None when the migration has no down part
    transaction: TransactionMode | None  # a marker in the file chose it; None: the default
    undecodable_at: int | None = None  # offset of the first byte that is not UTF-8


@dataclass(slots=True)
class Migration:
    path: Path
    version: str | None  # None when the file name carries no version
    name: str
    layout: Layout
    down_path: Path | None = None
    transaction: TransactionMode | None = None  # fixed by the layout or the file name
    sort_key: tuple[object, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        self.sort_key = (version_key(self.version), self.name, str(self.path))

    @property
    def label(self) -> str:
        """How messages name it: the file, with its folder when the folder is the migration."""
        if self.layout in (Layout.FOLDERS, Layout.PRISMA):
            return f"{self.path.parent.name}/{self.path.name}"
        return self.path.name

    def paths(self) -> list[Path]:
        return [self.path] if self.down_path is None else [self.path, self.down_path]

    def read(self) -> MigrationText:
        from dbreview.layouts.sections import split_sections

        raw, undecodable_at = read_sql(self.path)
        text = split_sections(raw)
        down = text.down
        if self.down_path is not None:
            down, _ = read_sql(self.down_path)
        return MigrationText(text.up, down, text.transaction or self.transaction, undecodable_at)


def version_key(version: str | None) -> tuple[object, ...]:
    """Numbers order numerically (9 < 10, 0009 < 00010), dotted numbers part by part (Flyway:
    1 < 1.1 < 2), the rest as text; files without a version come last."""
    if version is None:
        return (2,)
    if re.fullmatch(r"\d+([._]\d+)*", version):
        return (0, tuple(int(part) for part in re.split(r"[._]", version)))
    return (1, version)


def read_sql(path: Path) -> tuple[str, int | None]:
    """A migration file's text, and the offset of its first byte that is not UTF-8 (or None).

    A byte-order mark is dropped; bytes that are not UTF-8 are replaced so one odd file never
    stops a review (the review reports them as a parse error).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror}); check the path") from error
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return data.decode("utf-8", "replace"), error.start
