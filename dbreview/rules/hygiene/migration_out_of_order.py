from __future__ import annotations

from collections.abc import Iterator

from dbreview.layouts.base import Migration, version_key
from dbreview.rules.base import FileContext, Hit, Scope, rule


@rule(
    id="migration-out-of-order",
    category="hygiene",
    severity="warning",
    summary="A migration whose version sorts before the newest migration already in history",
    rationale="Databases that already ran the newer migration have moved past this version: "
    "golang-migrate and Flyway refuse to apply it or skip it, goose and the Supabase CLI need "
    "an out-of-order flag, and where it does run it runs after changes it was written before. "
    "This happens when a branch was started before another migration was merged.",
    remediation="Give the file a version after the newest migration (a new timestamp), and "
    "check that it still does what it meant on the schema that migration left",
    bad="-- main has 20250301000000_orders.sql; the branch adds\n"
    "-- 20250201000000_invoices.sql\nCREATE TABLE invoices (id bigint PRIMARY KEY);",
    good="-- 20250302000000_invoices.sql\nCREATE TABLE invoices (id bigint PRIMARY KEY);",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    version = file.migration.version
    newest = _newest(file.changeset.history if file.changeset else [])
    if version is None or newest is None:
        return
    if version_key(version) < version_key(newest.version):
        yield Hit(message=f"version {version} sorts before {newest.label} (version "
                  f"{newest.version}), the newest migration already in the history: databases "
                  "that ran it will skip this file or apply it out of order",
                  remediation=f"Rename the migration to a version after {newest.version}")


def _newest(history: list[Migration]) -> Migration | None:
    """The history's migration with the highest version: the history is in order, and
    versionless ones (Flyway repeatables) have no place in it."""
    return next((migration for migration in reversed(history) if migration.version is not None),
                None)


RULE = check
