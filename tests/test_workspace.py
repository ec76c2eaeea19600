"""How reviews name files: relative to the repository root, whatever the current directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbreview.workspace import Workspace


def test_a_relative_path_is_named_from_the_root_in_any_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for repository in ("one", "two"):
        (tmp_path / repository / "supabase" / "migrations").mkdir(parents=True)
    for repository in ("one", "two"):  # the same relative path, two current directories
        monkeypatch.chdir(tmp_path / repository / "supabase")
        workspace = Workspace(root=tmp_path / repository)
        assert workspace.display(Path("migrations/x.sql")) == "supabase/migrations/x.sql"


def test_a_linked_migration_is_named_where_it_sits(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "real.sql").write_text("SELECT 1;\n")
    (tmp_path / "migrations").mkdir()
    link = tmp_path / "migrations" / "20240101000000_link.sql"
    link.symlink_to(tmp_path / "shared" / "real.sql")
    assert Workspace(root=tmp_path).display(link) == "migrations/20240101000000_link.sql"
