"""The lock each statement takes on each table, and whether it rewrites or scans it.

Lock levels follow PostgreSQL's documentation ("Explicit Locking", and each command's page);
`--shadow` checks these predictions against a real server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum

from dbreview.impact.volatility import volatile_call
from dbreview.schema.model import Key, Schema, Table
from dbreview.schema.types import is_binary_coercible, type_ref
from dbreview.sql.nodes import Node, QName, def_elems, names, qname_from_list, relation_name
from dbreview.sql.parse import Statement


class LockMode(IntEnum):
    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    @property
    def blocks(self) -> str:
        """What ordinary traffic waits behind this lock."""
        if self is LockMode.ACCESS_EXCLUSIVE:
            return "reads and writes"
        if self >= LockMode.SHARE:
            return "writes"
        return "nothing"


HEAVY_LOCKS = (LockMode.SHARE, LockMode.SHARE_ROW_EXCLUSIVE, LockMode.EXCLUSIVE,
               LockMode.ACCESS_EXCLUSIVE)


@dataclass(slots=True)
class TableLock:
    table: Key
    mode: LockMode
    rewrite: bool = False
    scan: bool = False
    new: bool = False  # the table was created earlier in the changeset
    known: bool = True  # the history knows the table

    @property
    def display(self) -> str:
        return f"{self.table[0]}.{self.table[1]}"


@dataclass(slots=True)
class StatementImpact:
    locks: list[TableLock] = field(default_factory=list)

    def on_existing(self) -> list[TableLock]:
        return [lock for lock in self.locks if not lock.new]

    @property
    def strongest(self) -> TableLock | None:
        existing = self.on_existing()
        return max(existing, key=lambda lock: lock.mode) if existing else None

    @property
    def rewrite(self) -> bool:
        return any(lock.rewrite for lock in self.on_existing())

    @property
    def scan(self) -> bool:
        return any(lock.scan for lock in self.on_existing())


class _Collector:
    """Accumulates the strongest lock per table of one statement."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.locks: dict[Key, TableLock] = {}

    def add(self, name: QName | Key | None, mode: LockMode, *, rewrite: bool = False,
            scan: bool = False) -> None:
        if name is None:
            return
        key = self.schema.key(name)
        table = self.schema.tables.get(key)
        lock = self.locks.get(key)
        if lock is None:
            self.locks[key] = TableLock(key, mode, rewrite, scan, new=bool(table and table.new),
                                        known=table is not None)
            return
        lock.mode = max(lock.mode, mode)
        lock.rewrite |= rewrite
        lock.scan |= scan


Analyzer = Callable[[_Collector, Node], None]
_ANALYZERS: dict[str, Analyzer] = {}


def _analyzes(*kinds: str) -> Callable[[Analyzer], Analyzer]:
    def register(analyzer: Analyzer) -> Analyzer:
        for kind in kinds:
            _ANALYZERS[kind] = analyzer
        return analyzer

    return register


def statement_impact(statement: Statement, schema: Schema) -> StatementImpact:
    """The locks `statement` takes, judged against the schema before it runs."""
    analyzer = _ANALYZERS.get(statement.kind)
    if analyzer is None:
        return StatementImpact()
    collector = _Collector(schema)
    analyzer(collector, statement.node)
    return StatementImpact(list(collector.locks.values()))


@_analyzes("IndexStmt")
def _index(locks: _Collector, node: Node) -> None:
    concurrent = node.get("concurrent", False)
    mode = LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.SHARE
    locks.add(relation_name(node["relation"]), mode, scan=True)


@_analyzes("CreateStmt")
def _create_table(locks: _Collector, node: Node) -> None:
    if node.get("partbound"):
        for parent in node.get("inhRelations") or ():
            locks.add(relation_name(parent.get("RangeVar")), LockMode.ACCESS_EXCLUSIVE)
    schema, name = relation_name(node["relation"]) or (None, "")
    created = (schema or locks.schema.creation_schema, name)
    for element in node.get("tableElts") or ():
        for constraint in _constraints_of(element):
            referenced = relation_name(constraint.get("pktable"))
            if constraint.get("contype") != "CONSTR_FOREIGN" or referenced is None:
                continue
            # a self-reference locks nothing: the table does not exist before this statement
            if locks.schema.key(referenced) != created:
                locks.add(referenced, LockMode.SHARE_ROW_EXCLUSIVE)


def _constraints_of(element: Node) -> Iterator[Node]:
    if "Constraint" in element:
        yield element["Constraint"]
    for item in element.get("ColumnDef", {}).get("constraints") or ():
        yield item["Constraint"]


@_analyzes("AlterTableStmt")
def _alter_table(locks: _Collector, node: Node) -> None:
    name = relation_name(node.get("relation"))
    if node.get("objtype") == "OBJECT_INDEX":
        subtypes = {item.get("AlterTableCmd", {}).get("subtype") for item in node.get("cmds") or ()}
        index = locks.schema.index(name) if name else None
        if index is None:
            return
        if "AT_SetTableSpace" in subtypes:
            # ACCESS EXCLUSIVE on the index while its files are copied. Every query planned on
            # the table opens all its indexes, so the table's reads and writes wait as long.
            locks.add(index.table, LockMode.ACCESS_EXCLUSIVE, scan=True)
        elif not subtypes <= _INDEX_OPTION_COMMANDS:
            # storage parameters lock only the index, SHARE UPDATE EXCLUSIVE: no query waits
            locks.add(index.table, LockMode.SHARE_UPDATE_EXCLUSIVE)
        return
    table = locks.schema.table(name) if name else None
    for item in node.get("cmds") or ():
        command = item.get("AlterTableCmd")
        if command:
            mode, rewrite, scan = _command_lock(command, table, locks)
            locks.add(name, mode, rewrite=rewrite, scan=scan)


_SHARE_UPDATE_COMMANDS = {
    "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions", "AT_SetRelOptions",
    "AT_ResetRelOptions", "AT_ClusterOn", "AT_DropCluster", "AT_ValidateConstraint",
    "AT_AttachPartition",
}
_INDEX_OPTION_COMMANDS = {"AT_SetRelOptions", "AT_ResetRelOptions"}
_SHARE_ROW_COMMANDS = {
    "AT_EnableTrig", "AT_DisableTrig", "AT_EnableTrigAll", "AT_DisableTrigAll",
    "AT_EnableTrigUser", "AT_DisableTrigUser", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig",
}
_REWRITE_COMMANDS = {"AT_SetLogged", "AT_SetUnLogged", "AT_SetTableSpace", "AT_SetAccessMethod",
                     "AT_SetExpression"}


def _command_lock(
    command: Node, table: Table | None, locks: _Collector
) -> tuple[LockMode, bool, bool]:
    """(lock, rewrites, scans) of one ALTER TABLE subcommand."""
    subtype = command.get("subtype", "")
    definition = command.get("def") or {}
    if subtype in _SHARE_UPDATE_COMMANDS:
        if subtype == "AT_ValidateConstraint":
            constraint = table.constraints.get(command.get("name", "")) if table else None
            if constraint is not None and constraint.references:
                locks.add(constraint.references, LockMode.ROW_SHARE)
        if subtype == "AT_AttachPartition":
            partition = definition.get("PartitionCmd", {}).get("name")
            locks.add(relation_name(partition), LockMode.ACCESS_EXCLUSIVE, scan=True)
        return LockMode.SHARE_UPDATE_EXCLUSIVE, False, subtype == "AT_ValidateConstraint"
    if subtype in _SHARE_ROW_COMMANDS:
        return LockMode.SHARE_ROW_EXCLUSIVE, False, False
    if subtype in ("AT_SetLogged", "AT_SetUnLogged") and table is not None:
        # already logged (or unlogged): PostgreSQL leaves the table as it is
        rewrite = table.options.get("unlogged", False) == (subtype == "AT_SetLogged")
        return LockMode.ACCESS_EXCLUSIVE, rewrite, rewrite
    if subtype == "AT_SetAccessMethod" and table is not None:
        # the method the table already has: PostgreSQL leaves the table as it is
        rewrite = command.get("name") != table.options.get("access_method", "heap")
        return LockMode.ACCESS_EXCLUSIVE, rewrite, rewrite
    if subtype in _REWRITE_COMMANDS:
        return LockMode.ACCESS_EXCLUSIVE, True, True
    if subtype == "AT_DetachPartition" and definition.get("PartitionCmd", {}).get("concurrent"):
        return LockMode.SHARE_UPDATE_EXCLUSIVE, False, False
    if subtype == "AT_AddColumn":
        return _add_column_lock(definition.get("ColumnDef", {}), locks)
    if subtype == "AT_AlterColumnType":
        return LockMode.ACCESS_EXCLUSIVE, type_change_rewrites(command, table), True
    if subtype == "AT_SetNotNull":
        return LockMode.ACCESS_EXCLUSIVE, False, set_not_null_scans(table, command["name"])
    if subtype in ("AT_AddConstraint", "AT_AddIndexConstraint"):
        return _constraint_lock(definition.get("Constraint", {}), locks)
    return LockMode.ACCESS_EXCLUSIVE, False, False


def _add_column_lock(column: Node, locks: _Collector) -> tuple[LockMode, bool, bool]:
    scan = False
    for item in column.get("constraints") or ():
        constraint = item["Constraint"]
        contype = constraint["contype"]
        if contype == "CONSTR_FOREIGN":
            locks.add(relation_name(constraint.get("pktable")), LockMode.SHARE_ROW_EXCLUSIVE)
        elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_CHECK"):
            scan = True
    rewrite = add_column_rewrite(column, locks.schema) is not None
    return LockMode.ACCESS_EXCLUSIVE, rewrite, scan or rewrite


def add_column_rewrite(column: Node, schema: Schema) -> str | None:
    """Why ADD COLUMN writes every row (PostgreSQL ≥ 11), or None when only the catalog changes."""
    type_name = column.get("typeName")
    if type_name and type_ref(type_name).is_serial:
        return f"{type_ref(type_name).written}: a nextval() default"
    for item in column.get("constraints") or ():
        constraint = item["Constraint"]
        contype = constraint["contype"]
        if contype == "CONSTR_DEFAULT":
            volatile = volatile_call(constraint.get("raw_expr"), schema)
            if volatile:
                return f"volatile default {volatile}()"
        if contype == "CONSTR_IDENTITY":
            return "identity column"
        if contype == "CONSTR_GENERATED" and constraint.get("generated_kind") != "v":
            return "stored generated column"  # virtual ones (PostgreSQL 18) are computed on read
    return None


def _constraint_lock(constraint: Node, locks: _Collector) -> tuple[LockMode, bool, bool]:
    contype = constraint.get("contype")
    validates = not constraint.get("skip_validation", False)
    if contype == "CONSTR_FOREIGN":
        locks.add(relation_name(constraint.get("pktable")), LockMode.SHARE_ROW_EXCLUSIVE)
        return LockMode.SHARE_ROW_EXCLUSIVE, False, validates
    if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
        return LockMode.ACCESS_EXCLUSIVE, False, not constraint.get("indexname")
    if contype in ("CONSTR_CHECK", "CONSTR_EXCLUSION"):
        return LockMode.ACCESS_EXCLUSIVE, False, validates
    return LockMode.ACCESS_EXCLUSIVE, False, False


def type_change_rewrites(command: Node, table: Table | None) -> bool:
    """Whether ALTER COLUMN … TYPE rewrites the table (binary-coercible changes do not)."""
    column = table.columns.get(command.get("name", "")) if table else None
    definition = command.get("def", {}).get("ColumnDef", {})
    if "typeName" not in definition or definition.get("raw_default"):
        return True  # USING expression
    new = type_ref(definition["typeName"])
    if column is None or column.type is None:
        # unknown old type: a change to unbounded text is nearly always from varchar or text
        return new.array or not (new.name == "text" or (new.name == "varchar" and not new.mods))
    return not is_binary_coercible(column.type, new)


def set_not_null_scans(table: Table | None, column: str) -> bool:
    """SET NOT NULL checks every row unless the column is NOT NULL or a CHECK proves it."""
    known = table.columns.get(column) if table else None
    return not (known and known.not_null) and not has_not_null_check(table, column)


def has_not_null_check(table: Table | None, column: str) -> bool:
    """A validated CHECK (column IS NOT NULL) already proves the column has no NULL."""
    if table is None:
        return False
    for constraint in table.constraints.values():
        if constraint.kind != "check" or not constraint.validated:
            continue
        test = (constraint.expression or {}).get("NullTest", {})
        argument = names(test.get("arg", {}).get("ColumnRef", {}).get("fields"))
        if test.get("nulltesttype") == "IS_NOT_NULL" and argument[-1:] == [column]:
            return True
    return False


@_analyzes("DropStmt")
def _drop(locks: _Collector, node: Node) -> None:
    kind = node.get("removeType")
    for item in node.get("objects") or ():
        parts = item.get("List", {}).get("items")
        if parts is None:
            continue
        if kind in ("OBJECT_TABLE", "OBJECT_MATVIEW", "OBJECT_VIEW", "OBJECT_FOREIGN_TABLE"):
            locks.add(qname_from_list(parts), LockMode.ACCESS_EXCLUSIVE)
        elif kind == "OBJECT_INDEX":
            index = locks.schema.index(qname_from_list(parts))
            concurrent = node.get("concurrent", False)
            mode = LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.ACCESS_EXCLUSIVE
            if index is not None:
                locks.add(index.table, mode)
        elif kind in ("OBJECT_POLICY", "OBJECT_TRIGGER", "OBJECT_RULE"):
            parent = names(parts)[:-1]
            if parent:
                locks.add((parent[-2] if len(parent) > 1 else None, parent[-1]),
                          LockMode.ACCESS_EXCLUSIVE)


@_analyzes("RenameStmt")
def _rename(locks: _Collector, node: Node) -> None:
    if node.get("renameType") == "OBJECT_INDEX":
        return  # locks only the index (SHARE UPDATE EXCLUSIVE), never its table
    locks.add(relation_name(node.get("relation")), LockMode.ACCESS_EXCLUSIVE)


@_analyzes("TruncateStmt")
def _truncate(locks: _Collector, node: Node) -> None:
    for relation in node.get("relations") or ():
        locks.add(relation_name(relation.get("RangeVar")), LockMode.ACCESS_EXCLUSIVE)


@_analyzes("VacuumStmt")
def _vacuum(locks: _Collector, node: Node) -> None:
    full = "full" in def_elems(node.get("options"))
    mode = LockMode.ACCESS_EXCLUSIVE if full else LockMode.SHARE_UPDATE_EXCLUSIVE
    for relation in node.get("rels") or ():
        locks.add(relation_name(relation.get("VacuumRelation", {}).get("relation")), mode,
                  rewrite=full, scan=True)


@_analyzes("ClusterStmt")
def _cluster(locks: _Collector, node: Node) -> None:
    locks.add(relation_name(node.get("relation")), LockMode.ACCESS_EXCLUSIVE, rewrite=True,
              scan=True)


@_analyzes("ReindexStmt")
def _reindex(locks: _Collector, node: Node) -> None:
    concurrent = "concurrently" in def_elems(node.get("params"))
    # Without CONCURRENTLY: SHARE on the table and ACCESS EXCLUSIVE on the index being rebuilt.
    # Planning any query on the table opens all its indexes, so its reads wait too.
    mode = LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.ACCESS_EXCLUSIVE
    name = relation_name(node.get("relation"))
    if node.get("kind") == "REINDEX_OBJECT_INDEX" and name is not None:
        index = locks.schema.index(name)
        if index is not None:
            locks.add(index.table, mode, scan=True)
        return
    locks.add(name, mode, scan=True)


@_analyzes("RefreshMatViewStmt")
def _refresh(locks: _Collector, node: Node) -> None:
    concurrent = node.get("concurrent", False)
    mode = LockMode.EXCLUSIVE if concurrent else LockMode.ACCESS_EXCLUSIVE
    # CONCURRENTLY applies the differences row by row; without it the view gets a new file
    locks.add(relation_name(node.get("relation")), mode, rewrite=not concurrent, scan=True)


_COMMENTED_RELATIONS = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}


@_analyzes("CommentStmt")
def _comment(locks: _Collector, node: Node) -> None:
    kind, parts = node.get("objtype"), (node.get("object") or {}).get("List", {}).get("items")
    if kind in _COMMENTED_RELATIONS and parts:
        locks.add(qname_from_list(parts), LockMode.SHARE_UPDATE_EXCLUSIVE)
    elif kind == "OBJECT_COLUMN" and parts:
        locks.add(qname_from_list(parts[:-1]), LockMode.SHARE_UPDATE_EXCLUSIVE)


@_analyzes("CreatePolicyStmt", "AlterPolicyStmt")
def _policy(locks: _Collector, node: Node) -> None:
    locks.add(relation_name(node.get("table")), LockMode.ACCESS_EXCLUSIVE)


@_analyzes("CreateTrigStmt")
def _trigger(locks: _Collector, node: Node) -> None:
    locks.add(relation_name(node.get("relation")), LockMode.SHARE_ROW_EXCLUSIVE)


@_analyzes("LockStmt")
def _lock(locks: _Collector, node: Node) -> None:
    mode = LockMode(node.get("mode", LockMode.ACCESS_EXCLUSIVE))
    for relation in node.get("relations") or ():
        locks.add(relation_name(relation.get("RangeVar")), mode)


@_analyzes("UpdateStmt", "DeleteStmt", "InsertStmt")
def _dml(locks: _Collector, node: Node) -> None:
    everything = "whereClause" not in node and "selectStmt" not in node
    locks.add(relation_name(node.get("relation")), LockMode.ROW_EXCLUSIVE, scan=everything)
