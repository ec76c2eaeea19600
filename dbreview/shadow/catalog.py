"""What the server's catalogs say: the relations that exist, the locks a statement holds, and
the schema as the conventions read it back (information_schema.tables and .columns,
pg_indexes, pg_constraint, pg_policies, pg_trigger)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

from dbreview.impact.locks import LockMode
from dbreview.schema.model import Key
from dbreview.shadow.model import ObservedLock

_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema')"
_USER_SCHEMA = f"n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_toast%'"
# What a migration reader calls a table: tables, partitioned tables, views, materialized views,
# foreign tables. Locks on indexes, sequences and TOAST mostly follow from those on their table;
# an ACCESS EXCLUSIVE lock on an index does not, and counts as one on its table (see locks_held).
_TABLE_KINDS = frozenset("rpvmf")
_INDEX_KINDS = frozenset("iI")

_RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relfilenode, i.indrelid
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE {_USER_SCHEMA}
"""

# The session's own locks, read inside the statement's transaction before it ends. A relation
# the statement dropped has no pg_class row any more: its name comes from before.
_OWN_LOCKS = f"""
SELECT l.relation, l.mode, n.nspname, c.relname, c.relkind, c.relfilenode, i.indrelid
FROM pg_locks l
LEFT JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND (n.nspname IS NULL OR {_USER_SCHEMA})
"""

_MODES = {f"{mode.name.title().replace('_', '')}Lock": mode for mode in LockMode}

Connection = psycopg.Connection[TupleRow]


@dataclass(slots=True)
class Relation:
    key: Key
    kind: str
    filenode: int
    table: int | None = None  # an index's table


def _key(schema: str, name: str) -> Key:
    # a session's temporary schema is pg_temp_<n>; migrations (and the static model) say pg_temp
    return ("pg_temp" if schema.startswith("pg_temp_") else schema, name)


class Relations:
    """The relations the server knows, kept current statement by statement, so each
    statement's locks can be told apart: on relations that existed before it, or its own."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.known: dict[int, Relation] = {}
        self.refresh()
        self.before_changeset = set(self.known)

    def refresh(self) -> None:
        self.known = {oid: Relation(_key(schema, name), kind, filenode, table)
                      for oid, schema, name, kind, filenode, table
                      in self.connection.execute(_RELATIONS)}

    def locks_held(self) -> list[ObservedLock]:
        """The locks this session holds now on relations that existed before the statement
        (call it inside the statement's own transaction), strongest per relation."""
        modes: dict[int, LockMode] = {}
        now: dict[int, Relation | None] = {}
        for oid, mode_name, schema, name, kind, filenode, table in self.connection.execute(
                _OWN_LOCKS):
            mode = _MODES[mode_name]
            modes[oid] = max(modes.get(oid, mode), mode)
            now[oid] = (Relation(_key(schema, name), kind, filenode, table) if name is not None
                        else None)
        tables: dict[int, ObservedLock] = {}
        for oid, mode in modes.items():
            before, current = self.known.get(oid), now[oid]
            if before is not None and before.kind in _TABLE_KINDS:
                rewritten = (current is not None and before.filenode != 0
                             and current.filenode != before.filenode)
                self._merge(tables, oid, ObservedLock(before.key, mode, rewritten,
                                                      new=oid not in self.before_changeset))
            elif before is not None and before.kind in _INDEX_KINDS and before.table is not None:
                self._merge_index_lock(tables, before.table, mode)
            if current is not None:  # renamed, rewritten, or created by this statement
                self.known[oid] = current
        return sorted(tables.values(), key=lambda lock: lock.table)

    def _merge_index_lock(self, tables: dict[int, ObservedLock], table: int,
                          mode: LockMode) -> None:
        # Planning any query on a table opens every index of it: while one index is locked
        # ACCESS EXCLUSIVE (REINDEX, ALTER INDEX … SET TABLESPACE), the table's reads and
        # writes wait as if the table were. Weaker index locks block none of its traffic.
        owner = self.known.get(table)
        if mode is LockMode.ACCESS_EXCLUSIVE and owner is not None:
            self._merge(tables, table, ObservedLock(owner.key, mode, rewrite=False,
                                                    new=table not in self.before_changeset))

    @staticmethod
    def _merge(tables: dict[int, ObservedLock], oid: int, lock: ObservedLock) -> None:
        known = tables.get(oid)
        tables[oid] = lock if known is None else ObservedLock(
            known.table, max(known.mode, lock.mode), known.rewrite or lock.rewrite, known.new)


# Each query gives (kind, table, name, definition) rows: an object is there or not, and the
# same or not. Tables come first: what belongs to a table is not listed again when the table is.
_SNAPSHOT = f"""
SELECT 'table', table_schema || '.' || table_name, '', table_type
FROM information_schema.tables WHERE table_schema NOT IN {_SYSTEM_SCHEMAS}
UNION ALL
SELECT 'column', table_schema || '.' || table_name, column_name,
       concat_ws(' ',
         CASE WHEN data_type IN ('USER-DEFINED', 'ARRAY') THEN udt_schema || '.' || udt_name
              ELSE data_type END
           || coalesce('(' || character_maximum_length || ')', '')
           || CASE WHEN data_type = 'numeric' AND numeric_precision IS NOT NULL
                   THEN '(' || numeric_precision || ',' || numeric_scale || ')' ELSE '' END,
         CASE is_nullable WHEN 'NO' THEN 'not null' END,
         'default ' || column_default,
         CASE is_identity WHEN 'YES' THEN 'identity' END,
         'generated as ' || generation_expression)
FROM information_schema.columns WHERE table_schema NOT IN {_SYSTEM_SCHEMAS}
UNION ALL
SELECT 'index', schemaname || '.' || tablename, indexname, indexdef
FROM pg_catalog.pg_indexes WHERE schemaname NOT IN {_SYSTEM_SCHEMAS}
UNION ALL
SELECT 'constraint', n.nspname || '.' || coalesce(r.relname, t.typname, ''), c.conname,
       pg_catalog.pg_get_constraintdef(c.oid)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
LEFT JOIN pg_catalog.pg_type t ON t.oid = c.contypid
WHERE n.nspname NOT IN {_SYSTEM_SCHEMAS}
UNION ALL
SELECT 'policy', schemaname || '.' || tablename, policyname,
       concat_ws(' ', permissive, cmd, roles::text, qual, with_check)
FROM pg_catalog.pg_policies
UNION ALL
SELECT 'trigger', n.nspname || '.' || c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid)
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
"""

SchemaObject = tuple[str, str, str]  # (kind, table, name); a table's own name is ""
Snapshot = dict[SchemaObject, str]


def schema_snapshot(connection: Connection) -> Snapshot:
    """Every table, column, index, constraint, policy and trigger outside the system schemas.

    Read with search_path pg_catalog, so that definitions name everything fully qualified and a
    migration that changes its search_path does not change what the schema looks like; the
    setting is undone with the savepoint (or transaction) it was made in.
    """
    inside = connection.info.transaction_status != TransactionStatus.IDLE
    connection.execute("SAVEPOINT dbreview_snapshot" if inside else "BEGIN")
    try:
        connection.execute("SET LOCAL search_path = pg_catalog")
        return {(kind, table, name): definition
                for kind, table, name, definition in connection.execute(_SNAPSHOT)}
    finally:
        connection.execute("ROLLBACK TO SAVEPOINT dbreview_snapshot" if inside else "ROLLBACK")


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """What a round trip changed, one phrase per object, tables first."""
    tables_changed = {table for kind, table, _ in before.keys() ^ after.keys() if kind == "table"}
    found = []
    for item in sorted(before.keys() | after.keys(), key=_order):
        kind, table, _ = item
        if kind != "table" and table in tables_changed:
            continue  # said with its table
        if item not in before:
            found.append(f"{_name(item)} is left behind")
        elif item not in after:
            found.append(f"{_name(item)} is gone")
        elif before[item] != after[item]:
            found.append(f"{_name(item)} changed ({before[item]} → {after[item]})")
    return found


_KINDS = ("table", "column", "index", "constraint", "policy", "trigger")


def _order(item: SchemaObject) -> tuple[int, str, str]:
    kind, table, name = item
    return _KINDS.index(kind), table, name


def _name(item: SchemaObject) -> str:
    kind, table, name = item
    if kind == "table":
        return f"table {table}"
    if kind == "column":
        return f"column {table}.{name}"
    return f"{kind} {name} on {table}"
