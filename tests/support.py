"""Helpers that teach: build a migration directory, review a changeset, assert findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pglast import parse_sql

from dbreview.config import Config, parse_config
from dbreview.engine import Analyzer, Changeset
from dbreview.layouts.discover import load_set
from dbreview.review.model import Finding, Review
from dbreview.workspace import Workspace

if TYPE_CHECKING:
    from dbreview.shadow.session import ShadowSession

CHANGESET_VERSION = 20250601000000


@dataclass
class Project:
    """A throwaway repository: history migrations, changeset migrations, other files."""

    root: Path
    history: list[str] = field(default_factory=list)
    changeset: list[tuple[str, str]] = field(default_factory=list)  # (file name, sql)
    files: dict[str, str] = field(default_factory=dict)  # other repository files
    directory: str = "supabase/migrations"

    def write(self) -> Path:
        migrations = self.root / self.directory
        migrations.mkdir(parents=True, exist_ok=True)
        for number, sql in enumerate(self.history):
            (migrations / f"2024010100{number:04d}_history_{number}.sql").write_text(sql)
        for name, sql in self.changeset:  # a name may hold folders: <version>/migration.sql
            path = migrations / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sql)
        for name, content in self.files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        return migrations


def review_project(project: Project, config: Config | dict[str, Any] | None = None,
                   shadow: ShadowSession | None = None) -> Review:
    review = review_changeset(project, config, shadow).review
    assert review is not None
    return review


def review_changeset(project: Project, config: Config | dict[str, Any] | None = None,
                     shadow: ShadowSession | None = None) -> Changeset:
    """The project's changeset reviewed as one, everything else as history; with `shadow`,
    applied to a real server too."""
    migrations = project.write()
    if not isinstance(config, Config):
        config = parse_config(config or {}, "test config")
    migration_set = load_set(migrations)
    names = {name for name, _ in project.changeset}
    selected = [m for m in migration_set.migrations
                if m.path.relative_to(migrations).as_posix() in names]
    workspace = Workspace(root=project.root, changed_paths={
        f"{project.directory}/{name}" for name in names} | set(project.files))
    return Analyzer(config=config, workspace=workspace, shadow=shadow).review_together(
        migration_set, selected)


def review_sql(tmp_path: Path, sql: str, history: str | list[str] = (),  # type: ignore[assignment]
               config: dict[str, Any] | None = None,
               filename: str = f"{CHANGESET_VERSION}_change.sql") -> Review:
    history_files = [history] if isinstance(history, str) else list(history)
    project = Project(root=tmp_path, history=history_files, changeset=[(filename, sql)])
    return review_project(project, config)


def findings_of(review: Review, rule: str) -> list[Finding]:
    return [finding for finding in review.findings() if finding.rule == rule]


def assert_parses(sql: str) -> None:
    """Fixtures must be valid PostgreSQL, or a rule could pass for the wrong reason."""
    parse_sql(sql)
