"""Writing pages: dbreview regenerates its own unedited pages and never touches a person's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dbreview.errors import InputError
from dbreview.schema_docs import DocFile, Outcome, is_generated, with_marker, write_file

PAGE = "docs/schema/tables/tasks.md"


def test_a_missing_page_is_written_with_its_marker(tmp_path: Path) -> None:
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\n")) is Outcome.WROTE
    text = (tmp_path / PAGE).read_text()
    assert text.startswith("<!-- dbreview:generated sha256=") and text.endswith("\n# tasks\n")
    assert is_generated(text)


def test_an_unedited_page_is_regenerated_or_left_when_up_to_date(tmp_path: Path) -> None:
    write_file(tmp_path, DocFile(PAGE, "# tasks\n"))
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\n")) is Outcome.UNCHANGED
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\nnew column\n")) is Outcome.UPDATED
    assert (tmp_path / PAGE).read_text().endswith("# tasks\nnew column\n")


@pytest.mark.parametrize("edit", [
    lambda text: text + "Owned by the billing team.\n",  # an edit below the marker
    lambda text: text.split("\n", 1)[1],  # the marker removed
    lambda text: text.replace("sha256=", "sha256=0", 1),  # the marker tampered with
])
def test_a_page_a_person_edited_is_kept_as_it_is(
    tmp_path: Path, edit: Callable[[str], str]
) -> None:
    write_file(tmp_path, DocFile(PAGE, "# tasks\n"))
    edited = edit((tmp_path / PAGE).read_text())
    (tmp_path / PAGE).write_text(edited)
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\nregenerated\n")) is Outcome.KEPT
    assert (tmp_path / PAGE).read_text() == edited


def test_a_page_written_by_hand_is_kept(tmp_path: Path) -> None:
    (tmp_path / PAGE).parent.mkdir(parents=True)
    (tmp_path / PAGE).write_text("# Tasks\nWritten by a person.\n")
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\n")) is Outcome.KEPT


def test_line_endings_converted_by_git_are_not_an_edit(tmp_path: Path) -> None:
    (tmp_path / PAGE).parent.mkdir(parents=True)
    (tmp_path / PAGE).write_bytes(with_marker("# tasks\nrow\n").replace("\n", "\r\n").encode())
    assert write_file(tmp_path, DocFile(PAGE, "# tasks\nrow\n")) is Outcome.UNCHANGED


def test_a_path_outside_the_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="outside the repository"):
        write_file(tmp_path / "repo", DocFile("../escaped.md", "x\n"))
    assert not (tmp_path / "escaped.md").exists()
