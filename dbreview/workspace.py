"""The repository around the migrations: its root, what changed since a revision (git), and
which migrations a `check` reviews."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dbreview.config import Config
from dbreview.errors import InputError
from dbreview.layouts.base import Migration
from dbreview.layouts.discover import MigrationSet, SupersededFile, discover_sets, set_for_file


@dataclass(slots=True)
class Workspace:
    """Where the migrations live, for paths in reports and repository-level rules."""

    root: Path | None = None  # the repository root
    changed_paths: set[str] = field(default_factory=set)  # relative to root (with --since)

    def display(self, path: Path) -> str:
        if self.root is not None:
            try:
                # absolute first: the cache must not depend on the current directory
                located = _resolved(path.parent.absolute()) / path.name  # a link stays put
                return located.relative_to(_resolved(self.root.absolute())).as_posix()
            except ValueError:
                pass
        return path.as_posix()


@lru_cache(maxsize=256)
def _resolved(directory: Path) -> Path:
    """Each folder resolved once: a folder review names thousands of files in a few folders."""
    return directory.resolve()


@dataclass(slots=True)
class Plan:
    """One migration set and the migrations of it under review."""

    migration_set: MigrationSet
    selected: list[Migration]


def _run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise InputError("git is not installed; --since needs git") from None


def _git(root: Path, *args: str) -> str:
    result = _run_git(root, *args)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1:] or ["git failed"]
        raise InputError(f"git {' '.join(args)}: {message[0]}")
    return result.stdout


def repository_root(start: Path) -> Path | None:
    """The git work tree containing `start`, or None outside one (or without git)."""
    try:
        result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start,
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def repository_for(paths: list[Path]) -> Path:
    """The git repository holding the first path (else the current directory's), whose config
    applies and where docs are written; the current directory outside any repository."""
    starts = [Path.cwd()]
    if paths:
        starts.insert(0, paths[0] if paths[0].is_dir() else paths[0].parent)
    for start in starts:
        if start.is_dir() and (root := repository_root(start)) is not None:
            return root
    return Path.cwd()


def changed_since(root: Path, revision: str) -> set[str]:
    """Files added or modified between the merge-base of `revision` and HEAD, plus uncommitted
    and untracked ones; paths relative to the repository root."""
    base = _merge_base(root, revision)
    committed = _git(root, "diff", "-z", "--name-only", "--diff-filter=AMR", base, "HEAD")
    uncommitted = _git(root, "diff", "-z", "--name-only", "--diff-filter=AMR", "HEAD")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    # -z: names with spaces or non-ASCII characters come unquoted, separated by NUL.
    return {name for name in (committed + uncommitted + untracked).split("\0") if name}


def _merge_base(root: Path, revision: str) -> str:
    if _run_git(root, "rev-parse", "--git-dir").returncode != 0:
        raise InputError(f"--since needs a git repository; {root} is not inside one")
    if _run_git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").returncode:
        raise InputError(f"--since {revision}: no such git revision; name a branch, tag or "
                         "commit (in CI, fetch it first: `git fetch origin main`)")
    result = _run_git(root, "merge-base", revision, "HEAD")
    if result.returncode != 0:
        raise InputError(f"--since {revision}: no common ancestor with HEAD; in a shallow clone "
                         "fetch the history (actions/checkout `fetch-depth: 0`)")
    return result.stdout.strip()


def plan_paths(paths: list[Path], config: Config, root: Path) -> list[Plan]:
    """Named files are reviewed alone (their set's earlier migrations as history); directories
    are reviewed file by file; no path means the configured migration directories."""
    if not paths:
        paths = [root / pattern for pattern in config.migrations if (root / pattern).is_dir()]
        if not paths:
            raise InputError(
                f"no migrations found under {root} (looked in {', '.join(config.migrations)}); "
                "name a PATH or set `migrations` in .github/dbreview.yml"
            )
    plans: dict[Path, Plan] = {}
    superseded = 0
    for path in paths:
        if path.is_dir():
            for migration_set in discover_sets(path):
                plan = plans.setdefault(migration_set.root, Plan(migration_set, []))
                plan.selected.extend(migration_set.migrations)
        else:
            try:
                migration_set, migration = set_for_file(path)
            except SupersededFile as skipped:
                # Not an error: a hook that passes every staged .sql file must not fail on it.
                print(f"dbreview: {skipped}", file=sys.stderr)
                superseded += 1
                continue
            plan = plans.setdefault(migration_set.root, Plan(migration_set, []))
            if all(migration.path != chosen.path for chosen in plan.selected):
                plan.selected.append(migration)
    if not plans and superseded < len(paths):
        named = ", ".join(str(path) for path in paths)
        raise InputError(f"{named}: no migration (*.sql) files found; name a migration file "
                         "or the directory that holds them")
    return list(plans.values())


def plan_changed(plans: list[Plan], changed: set[str], workspace: Workspace) -> list[Plan]:
    """Keep, in each set, the migrations whose up or down file changed."""
    kept = []
    for plan in plans:
        selected = [
            migration for migration in plan.migration_set.migrations
            if {workspace.display(path) for path in migration.paths()} & changed
        ]
        if selected:
            kept.append(Plan(plan.migration_set, selected))
    return kept
