from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.sql.source import Span

# pg_dump and pg_dumpall start (and end) their plain-text output with this banner.
_DUMP_BANNER = re.compile(r"^-- PostgreSQL database (?:cluster )?dump\b.*$", re.MULTILINE)
_COMPRESSED = r"(?:gz|bz2|xz|zst|lz4|zip|7z)"
_BACKUP_NAME = re.compile(
    rf"""(?:\.(?:dump|backup|pgdump|pg_dump)(?:\.{_COMPRESSED})?   # pg_dump -Fc, pg_basebackup
        | \.sql\.{_COMPRESSED}                                    # compressed plain dumps
        | (?:^|/)toc\.dat                                         # pg_dump -Fd directory
        | (?:dump|backup)[^/]*\.(?:tar|tgz|tar\.{_COMPRESSED})    # archives of dumps
        )$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEAD_BYTES = 4096  # the banner is on the second line of a dump


@rule(
    id="backup-in-repo",
    category="hygiene",
    severity="error",
    summary="A database dump or backup added to the repository",
    rationale="A dump holds production data (customers, tokens, password hashes) and stays in "
    "git history forever, readable by everyone with access to the repository and its forks. "
    "Backups belong in access-controlled backup storage (G).",
    remediation="Remove the file from the change (and from history if it was pushed), store "
    "backups in the backup storage the backup policy names, and add the pattern to .gitignore",
    bad="supabase/migrations/20250601000000_prod_backup.sql  -- pg_dump output",
    good="migrations hold schema changes only; dumps go to backup storage",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    migration_paths = {file.path for file in changeset.files}
    for file in changeset.files:
        banner = _DUMP_BANNER.search(file.text.up)
        if banner is not None:
            line = file.text.up.count("\n", 0, banner.start()) + 1
            yield Hit(message=f"{file.path} is pg_dump output (line {line}), not a migration",
                      at=Origin(file.path, Span(line, 1, line, len(banner.group()))))
    for path in sorted(changeset.changed_paths - migration_paths):
        if _BACKUP_NAME.search(path) or _is_plain_dump(changeset.repository, path):
            # on the dump itself: a change may add one without touching any migration
            yield Hit(message=f"the change adds {path}, a database dump or backup",
                      at=Origin(path, Span(1, 1, 1, 1)))


def _is_plain_dump(root: Path | None, path: str) -> bool:
    if root is None or not path.lower().endswith(".sql"):
        return False
    try:
        with (root / path).open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return _DUMP_BANNER.search(head) is not None


RULE = check
