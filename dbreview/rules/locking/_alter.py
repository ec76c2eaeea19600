"""What several locking rules share: the table a statement locks, and the SQL of fixes that span
more than one migration."""

from __future__ import annotations

from collections.abc import Iterable

from dbreview.rules.base import StatementContext
from dbreview.schema.model import Key
from dbreview.sql.nodes import QName, relation_name

_LATER = "-- in a later migration:"




def existing_relation(context: StatementContext) -> QName | None:
    """The table the statement names (its `relation`), unless created earlier in the changeset."""
    name = relation_name(context.node.get("relation"))
    return name if context.is_existing(name) else None


def index_table(context: StatementContext, index: QName) -> Key | None:
    """The table of an index the schema knows; None when the history does not know it."""
    known = context.schema.index(index)
    return known.table if known else None


def altered_table(context: StatementContext) -> QName | None:
    """The existing table an ALTER TABLE changes (not ALTER INDEX, VIEW, FOREIGN TABLE …)."""
    return existing_relation(context) if context.node.get("objtype") == "OBJECT_TABLE" else None




def in_two_migrations(now: Iterable[str], later: Iterable[str]) -> str:
    """SQL for this migration, then SQL for a later one, as one suggestion that parses."""
    return "\n".join([*now, _LATER, *later])

