from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.hygiene._creation import creates_temporary
from dbreview.rules.tenancy.generated_sql import qualified
from dbreview.schema.model import Table
from dbreview.sql.parse import Statement

_TABLE_KINDS = ("table", "partitioned table")
_LIKE_INCLUDING_INDEXES = 1 << 6  # CREATE_TABLE_LIKE_INDEXES: copies the primary key too


@rule(
    id="missing-primary-key",
    category="hygiene",
    severity="warning",
    summary="A new table without a primary key",
    rationale="Without a primary key, rows cannot be told apart: duplicates creep in, an "
    "UPDATE or DELETE of one row has no reliable target, ORMs and admin tools refuse to edit "
    "the table, and logical replication (Supabase Realtime, read replicas by publication) "
    "cannot replicate its UPDATEs and DELETEs. Judged at the end of the changeset, so a "
    "primary key added by a later statement counts. Partitions inherit the key of their "
    "partitioned table, and `LIKE … INCLUDING INDEXES` copies it; temporary tables are "
    "not judged.",
    remediation="Add a primary key: a surrogate `id bigint GENERATED ALWAYS AS IDENTITY "
    "PRIMARY KEY` (or uuid), or `PRIMARY KEY (a, b)` on the natural key",
    bad="CREATE TABLE invoice_lines (invoice_id bigint, line int, amount numeric);",
    good="CREATE TABLE invoice_lines (invoice_id bigint, line int, amount numeric,\n"
    "  PRIMARY KEY (invoice_id, line));",
    scope=Scope.CHANGESET,
)
def check(changeset: ChangesetContext) -> Iterator[Hit]:
    for table in changeset.new_tables():
        if table.kind not in _TABLE_KINDS or table.primary_key is not None:
            continue
        created = changeset.statement_at(table.origin)
        if created is not None and _key_comes_with_it(created):
            continue
        yield Hit(message=f"new table {table.display} has no primary key", table=table.display,
                  suggested_sql=_id_key_sql(table), at=table.origin)


def _key_comes_with_it(created: Statement) -> bool:
    """Partitions take their partitioned table's key, LIKE … INCLUDING INDEXES copies its
    source's, and a temporary table is gone when the session ends."""
    if creates_temporary(created):
        return True
    node = created.node
    if created.kind != "CreateStmt":
        return False
    return bool(node.get("partbound")) or any(
        element["TableLikeClause"].get("options", 0) & _LIKE_INCLUDING_INDEXES
        for element in node.get("tableElts") or () if "TableLikeClause" in element
    )


def _id_key_sql(table: Table) -> str | None:
    """Make an existing `id` column the key; other tables need a choice only the author can
    make."""
    if "id" not in table.columns:
        return None
    return f"ALTER TABLE {qualified(table)} ADD PRIMARY KEY (id);"


RULE = check
