"""Writing generated pages without ever overwriting a person's work.

Each written page starts with a hidden marker holding the SHA-256 of the rest of the page. A
page whose content still matches its marker is dbreview's own and is regenerated; a page
without the marker, or whose content changed since, belongs to a person and is kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dbreview.errors import InputError

_MARKER = re.compile(r"\A<!-- dbreview:generated sha256=([0-9a-f]{64})[^\n]*-->\n")


@dataclass(frozen=True, slots=True)
class DocFile:
    path: str  # relative to the repository root, with `/`
    body: str  # the page, without its marker


class Outcome(StrEnum):
    WROTE = "wrote"  # the page did not exist
    UPDATED = "updated"  # dbreview's unedited page, regenerated
    UNCHANGED = "unchanged"  # dbreview's unedited page, already up to date
    KEPT = "kept"  # written or edited by a person: left alone


def _digest(body: str) -> str:
    # Line endings as git may have converted them on checkout do not count as an edit.
    return hashlib.sha256(body.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def with_marker(body: str) -> str:
    return (f"<!-- dbreview:generated sha256={_digest(body)}: `dbreview docs --write` "
            "regenerates this page until someone edits it -->\n" + body)


def is_generated(text: str) -> bool:
    """Whether `text` is a page dbreview wrote and nobody changed since."""
    match = _MARKER.match(text.replace("\r\n", "\n"))
    return match is not None and match.group(1) == _digest(text.replace("\r\n", "\n")[
        match.end():])


def write_file(root: Path, file: DocFile) -> Outcome:
    target = root / file.path
    if not target.resolve().is_relative_to(root.resolve()):
        raise InputError(f"{file.path}: outside the repository; not written")
    try:
        if target.exists():
            current = target.read_text(encoding="utf-8")
            if not is_generated(current):
                return Outcome.KEPT
            if current.replace("\r\n", "\n") == with_marker(file.body):
                return Outcome.UNCHANGED
            outcome = Outcome.UPDATED
        else:
            outcome = Outcome.WROTE
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(with_marker(file.body), encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise InputError(f"{file.path}: cannot write the page ({reason}); check the "
                         "permissions of the docs folder") from None
    return outcome
