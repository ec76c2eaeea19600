"""`dbreview docs`: prints the tree, or writes it without overwriting a person's pages; what it
writes satisfies the docs-missing and backup-policy-missing rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbreview.review.model import Review
from tests.cli_support import cli_in, one_line
from tests.explain.schemas import PROJECTS, TENANTS
from tests.support import Project, findings_of, review_project

MIGRATIONS = "supabase/migrations"


def _project(root: Path) -> Project:
    project = Project(root=root, history=[TENANTS],
                      changeset=[("20250601000000_projects.sql", "-- projects\n" + PROJECTS)])
    project.write()
    return project


def _rules(review: Review) -> set[str]:
    return {finding.rule for finding in review.findings()}


def test_docs_prints_every_page_with_its_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    run = cli_in(tmp_path, monkeypatch, capsys)("docs")
    assert run.code == 0
    headers = [line for line in run.out.splitlines() if line.startswith("==> ")]
    assert "==> docs/schema/tables/projects.md <==" in headers
    assert "==> docs/operations/backups/backup_policy.md <==" in headers
    assert run.out.count("<!-- dbreview:generated sha256=") == len(headers)
    assert not (tmp_path / "docs").exists()  # printing writes nothing


def test_docs_write_creates_the_pages_the_rules_ask_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    before = review_project(project)
    assert {"docs-missing", "backup-policy-missing"} <= _rules(before)
    run = cli_in(tmp_path, monkeypatch, capsys)("docs", "--write")
    assert run.code == 0
    assert "wrote docs/schema/tables/projects.md" in run.out.splitlines()
    project.files = {}  # the pages are on disk now, committed or not
    after = review_project(project)
    assert not findings_of(after, "docs-missing")
    assert not findings_of(after, "backup-policy-missing")


def test_docs_write_again_regenerates_its_own_pages_and_keeps_edited_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path)
    cli = cli_in(tmp_path, monkeypatch, capsys)
    cli("docs", "--write")
    page = tmp_path / "docs/schema/tables/projects.md"
    page.write_text(page.read_text() + "\nOwned by the product team.\n")
    (tmp_path / MIGRATIONS / "20250701000000_more.sql").write_text(
        "-- a label\nALTER TABLE public.tenants ADD COLUMN label text;\n")
    run = cli("docs", "--write")
    lines = run.out.splitlines()
    assert ("kept docs/schema/tables/projects.md: edited since dbreview generated it, or "
            "written by hand (delete it to regenerate)") in lines
    assert "updated docs/schema/tables/tenants.md" in lines
    assert "unchanged docs/schema/rls_rules.md" in lines
    assert page.read_text().endswith("Owned by the product team.\n")
    assert "`label`" in (tmp_path / "docs/schema/tables/tenants.md").read_text()


def test_docs_without_migrations_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run = cli_in(tmp_path, monkeypatch, capsys)("docs")
    assert run.code == 2
    assert "no migrations found" in one_line(run.err)
