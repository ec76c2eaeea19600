"""A pull request mirrored into a directory, so the ordinary review can read it from disk.

- the configuration comes from the BASE branch: a pull request cannot switch off the rules
  that judge it;
- the migration history comes from the base branch too, and the changed migrations from the
  HEAD commit;
- documentation pages are mirrored as empty files: the hygiene rules only ask whether a
  table's page (or the backup policy) exists, and downloading them would cost a request each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dbreview.config import CONFIG_FILES, Config, load_config_text
from dbreview.errors import InputError
from dbreview.github.client import RepositoryApi
from dbreview.github.models import PullFile, PullRequest

_DOCS_ROOT = "docs/"


@dataclass(frozen=True, slots=True)
class Base:
    """The base branch: its files (path → blob sha) and the configuration they hold."""

    tree: dict[str, str]
    config: Config


@dataclass(frozen=True, slots=True)
class Snapshot:
    root: Path
    config: Config
    changed_paths: frozenset[str]  # the pull request's files that exist at its head
    changed_migrations: tuple[str, ...]

    @property
    def touches_migrations(self) -> bool:
        return bool(self.changed_migrations)


def read_base(api: RepositoryApi, pull: PullRequest, root: Path) -> Base:
    """The base branch's file list and configuration (written under `root` as well)."""
    tree = api.tree(pull.base_sha)
    for name in CONFIG_FILES:
        if name in tree:
            content = api.blob(tree[name])
            _write(root, name, content)
            text = content.decode("utf-8", errors="replace")
            return Base(tree, load_config_text(text, f"{name} (base branch)"))
    return Base(tree, Config())


def mirror(api: RepositoryApi, pull: PullRequest, files: list[PullFile], base: Base,
           root: Path) -> Snapshot:
    """Write the history, the changed migrations and the docs pages' names under `root`."""
    config = base.config
    present = frozenset(file.path for file in files if file.present)
    replaced = {file.previous_path for file in files if file.previous_path} | {
        file.path for file in files}
    changed = tuple(sorted(path for path in present if _is_migration(path, config)))
    if changed:
        for path, sha in base.tree.items():
            if _is_migration(path, config) and path not in replaced:
                _write(root, path, api.blob(sha))
        head_tree = api.tree(pull.head_sha)
        for path in changed:
            if path in head_tree:  # else a submodule or a file GitHub no longer has
                _write(root, path, api.blob(head_tree[path]))
        docs_dir = config.docs.dir.strip("/") + "/"
        for path in head_tree:
            if path.startswith((_DOCS_ROOT, docs_dir)) and path not in present:
                _write(root, path, b"")
    return Snapshot(root=root, config=config, changed_paths=present, changed_migrations=changed)


def _migration_directories(config: Config) -> list[str]:
    return [pattern.strip("/") + "/" for pattern in config.migrations]


def _is_migration(path: str, config: Config) -> bool:
    return path.endswith(".sql") and path.startswith(tuple(_migration_directories(config)))


def _write(root: Path, path: str, content: bytes) -> None:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(f"{path}: a repository path outside the repository; not mirrored")
    target = root.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
