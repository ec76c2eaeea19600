from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.sql.source import Span

BACKUP_POLICY = "docs/operations/backups/backup_policy.md"


@rule(
    id="backup-policy-missing",
    category="hygiene",
    severity="notice",
    summary=f"The repository has migrations but no {BACKUP_POLICY}",
    rationale="Backups live outside the repository; their policy lives inside (G): how often, "
    "where, how long they are kept, who can restore and when a restore was last tested. "
    "Without it, the first restore is also the first time anyone reads how.",
    remediation=f"Write {BACKUP_POLICY}: schedule, retention, storage location, who can "
    "restore, and the date of the last tested restore",
    bad="supabase/migrations/… with no docs/operations/backups/backup_policy.md",
    good="docs/operations/backups/backup_policy.md next to the migrations",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    root = changeset.repository
    if root is None or not changeset.files:
        return
    if BACKUP_POLICY in changeset.changed_paths or (root / BACKUP_POLICY).is_file():
        return
    yield Hit(message=f"the repository has migrations but no backup policy ({BACKUP_POLICY})",
              at=Origin(changeset.files[0].path, Span(1, 1, 1, 1)))


RULE = check
