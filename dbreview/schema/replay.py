"""Replaying statements into the schema model, one handler per statement kind.

Statements the model has no use for (DML, grants, comments on other objects) change nothing.
Dynamic SQL (DO blocks, EXECUTE) cannot be followed; objects it creates are unknown and assumed
to exist later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbreview.schema.alter_table import apply_alter_table, constraint_from_node, default_name
from dbreview.schema.model import (
    Column,
    Function,
    Index,
    Key,
    Origin,
    Policy,
    Role,
    Schema,
    Table,
    Trigger,
)
from dbreview.schema.types import type_ref
from dbreview.sql.nodes import (
    Node,
    constant,
    def_elems,
    names,
    option_value,
    qname_from_list,
    relation_name,
)
from dbreview.sql.parse import Statement


@dataclass(frozen=True, slots=True)
class Replay:
    """What one handler needs besides the statement."""

    schema: Schema
    origin: Origin
    in_changeset: bool

    def made(self, item: object) -> object:
        return self.schema.created(item) if self.in_changeset else item

    def altered(self, table: Table) -> None:
        if self.in_changeset:
            self.schema.alter(table)

    def made_on(self, table: Table | None, item: object) -> None:
        """`item` (an index, constraint, policy or trigger) is new, and so its table changed."""
        self.made(item)
        if table is not None:
            self.altered(table)


Handler = Callable[[Replay, Node], None]
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def replay(schema: Schema, statement: Statement, origin: Origin, *, in_changeset: bool) -> None:
    handler = _HANDLERS.get(statement.kind)
    if handler is not None:
        handler(Replay(schema, origin, in_changeset), statement.node)


def column_from_def(definition: Node) -> Column:
    type_name = definition.get("typeName")
    column = Column(name=definition.get("colname", ""),
                    type=type_ref(type_name) if type_name else None)
    for item in definition.get("constraints") or ():
        constraint = item["Constraint"]
        contype = constraint["contype"]
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            column.not_null = True
        elif contype == "CONSTR_DEFAULT":
            column.default = constraint.get("raw_expr")
        elif contype == "CONSTR_IDENTITY":
            column.identity = column.not_null = True
        elif contype == "CONSTR_GENERATED":
            column.generated = True
    return column


def add_column(replay: Replay, table: Table, definition: Node) -> Column:
    column = column_from_def(definition)
    table.columns[column.name] = column
    for item in definition.get("constraints") or ():
        constraint = item["Constraint"]
        if constraint["contype"] in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_FOREIGN",
                                     "CONSTR_CHECK"):
            add_constraint(replay, table, constraint, (column.name,))
    return column


def add_constraint(
    replay: Replay, table: Table, node: Node, columns: tuple[str, ...] = ()
) -> None:
    constraint = constraint_from_node(replay.schema, table, node, columns, replay.origin)
    if constraint is None:
        return
    replay.made_on(table, constraint)
    table.constraints[constraint.name] = constraint
    if constraint.kind in ("primary key", "unique", "exclude"):
        index_name = node.get("indexname") or constraint.name
        existing = replay.schema.indexes.get((table.schema, index_name))
        if existing is not None:  # ADD CONSTRAINT … USING INDEX adopts an index
            existing.unique = constraint.kind != "exclude"
            return
        add_index(replay, Index(name=index_name, table=table.key, columns=constraint.columns,
                                unique=constraint.kind != "exclude", origin=replay.origin,
                                method="gist" if constraint.kind == "exclude" else "btree"))


def add_index(replay: Replay, index: Index) -> None:
    table = replay.schema.tables.get(index.table)
    replay.made_on(table, index)
    if table is not None:
        table.indexes[index.name] = index
    replay.schema.indexes[(index.table[0], index.name)] = index


def _new_table(replay: Replay, range_var: Node, kind: str) -> Table | None:
    name = relation_name(range_var)
    assert name is not None
    schema = replay.schema
    default_schema = "pg_temp" if kind == "temporary table" else schema.creation_schema
    key: Key = (name[0] or default_schema, name[1])
    if key in schema.tables and kind != "view":
        return None  # IF NOT EXISTS, or a history the model could not follow
    table = Table(schema=key[0], name=key[1], kind=kind, origin=replay.origin)
    replay.made(table)
    schema.tables[key] = table
    return table


@handles("CreateStmt")
def _create_table(replay: Replay, node: Node) -> None:
    if node["relation"].get("relpersistence") == "t":
        kind = "temporary table"  # gone with the session: no tenant, RLS or audit rules
    else:
        kind = "partitioned table" if node.get("partspec") else "table"
    table = _new_table(replay, node["relation"], kind)
    if table is None:
        return
    if node["relation"].get("relpersistence") == "u":
        table.options["unlogged"] = True
    if node.get("accessMethod"):
        table.options["access_method"] = node["accessMethod"]
    for parent in node.get("inhRelations") or ():
        _copy_columns(replay.schema, table, relation_name(parent.get("RangeVar")))
    for element in node.get("tableElts") or ():
        if "ColumnDef" in element:
            add_column(replay, table, element["ColumnDef"])
        elif "Constraint" in element:
            add_constraint(replay, table, element["Constraint"])
        elif "TableLikeClause" in element:
            source = relation_name(element["TableLikeClause"]["relation"])
            _copy_columns(replay.schema, table, source)


def _copy_columns(schema: Schema, table: Table, source_name: object) -> None:
    source = schema.table(source_name) if isinstance(source_name, tuple) else None
    if source is not None:
        for column in source.columns.values():
            table.columns.setdefault(column.name, Column(column.name, column.type, column.not_null,
                                                         column.default))


@handles("CreateTableAsStmt")
def _create_table_as(replay: Replay, node: Node) -> None:
    into = node["into"]
    kind = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    table = _new_table(replay, into["rel"], kind)
    if table is not None:
        table.query = node.get("query")
        for column_name in names(into.get("colNames")):
            table.columns[column_name] = Column(column_name, None)


@handles("ViewStmt")
def _create_view(replay: Replay, node: Node) -> None:
    table = _new_table(replay, node["view"], "view")
    if table is None:
        return
    table.query = node.get("query")
    options = def_elems(node.get("options"))
    if "security_invoker" in options:
        table.options["security_invoker"] = option_value(options["security_invoker"])


@handles("AlterTableStmt")
def _alter_table(replay: Replay, node: Node) -> None:
    name = relation_name(node.get("relation"))
    if name is None:
        return
    table = replay.schema.table(name)
    if table is None:
        return
    replay.altered(table)
    apply_alter_table(replay, table, node.get("cmds") or ())


@handles("IndexStmt")
def _create_index(replay: Replay, node: Node) -> None:
    name = relation_name(node["relation"])
    assert name is not None
    key = replay.schema.key(name)
    columns = tuple(
        element["IndexElem"].get("name") for element in node.get("indexParams") or ()
    )
    index_name = node.get("idxname") or default_name(key[1], columns, "idx")
    if (key[0], index_name) in replay.schema.indexes and node.get("if_not_exists"):
        return
    add_index(replay, Index(name=index_name, table=key, columns=columns,
                            unique=bool(node.get("unique")), partial="whereClause" in node,
                            method=node.get("accessMethod", "btree"), origin=replay.origin))


@handles("DropStmt")
def _drop(replay: Replay, node: Node) -> None:
    kind = node.get("removeType", "")
    schema = replay.schema
    for item in node.get("objects") or ():
        parts = item.get("List", {}).get("items")
        if parts is None:
            continue
        qname = qname_from_list(parts)
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            dropped = schema.tables.pop(schema.key(qname), None)
            if dropped is not None:
                for index_name in dropped.indexes:
                    schema.indexes.pop((dropped.schema, index_name), None)
        elif kind == "OBJECT_INDEX":
            index = schema.indexes.pop(schema.key(qname, schema.indexes), None)
            table = schema.tables.get(index.table) if index else None
            if table is not None and index is not None:
                table.indexes.pop(index.name, None)
        elif kind in ("OBJECT_POLICY", "OBJECT_TRIGGER"):
            _drop_table_member(schema, kind, names(parts))
        elif kind == "OBJECT_SCHEMA":
            for key in [key for key in schema.tables if key[0] == qname[1]]:
                del schema.tables[key]
    if kind == "OBJECT_FUNCTION":
        for item in node.get("objects") or ():
            function = item.get("ObjectWithArgs")
            if function:
                schema.drop_function(schema.key(qname_from_list(function["objname"]),
                                                schema.functions))


def _drop_table_member(schema: Schema, kind: str, parts: list[str]) -> None:
    if len(parts) < 2:
        return
    table = schema.table((parts[-3] if len(parts) > 2 else None, parts[-2]))
    if table is not None:
        members = table.policies if kind == "OBJECT_POLICY" else table.triggers
        members.pop(parts[-1], None)


@handles("RenameStmt")
def _rename(replay: Replay, node: Node) -> None:
    kind = node.get("renameType")
    schema = replay.schema
    new_name = node.get("newname", "")
    relation = relation_name(node.get("relation"))
    table = schema.table(relation) if relation is not None else None
    if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and table is not None:
        del schema.tables[table.key]
        table.name = new_name
        schema.tables[table.key] = table
        for index in table.indexes.values():
            index.table = table.key
    elif kind == "OBJECT_COLUMN" and table is not None:
        column = table.columns.pop(node.get("subname", ""), None)
        if column is not None:
            column.name = new_name
            table.columns[new_name] = column
            for index in table.indexes.values():
                index.columns = tuple(new_name if c == node.get("subname") else c
                                      for c in index.columns)
    elif kind == "OBJECT_INDEX":
        key = schema.key(relation or (None, ""), schema.indexes)
        if (renamed := schema.indexes.pop(key, None)) is not None:
            owner = schema.tables.get(renamed.table)
            if owner is not None:
                owner.indexes.pop(renamed.name, None)
                owner.indexes[new_name] = renamed
            renamed.name = new_name
            schema.indexes[(renamed.table[0], new_name)] = renamed
    elif kind == "OBJECT_TABCONSTRAINT" and table is not None:
        constraint = table.constraints.pop(node.get("subname", ""), None)
        if constraint is not None:
            constraint.name = new_name
            table.constraints[new_name] = constraint


@handles("CreatePolicyStmt")
def _create_policy(replay: Replay, node: Node) -> None:
    table = replay.schema.table(relation_name(node["table"]) or (None, ""))
    if table is None:
        return
    roles = tuple(_role_name(role) for role in node.get("roles") or ()) or ("public",)
    policy = Policy(name=node["policy_name"], command=node.get("cmd_name", "all"),
                    permissive=node.get("permissive", False), roles=roles,
                    using=node.get("qual"), check=node.get("with_check"), origin=replay.origin)
    table.policies[policy.name] = policy
    replay.made_on(table, policy)


@handles("AlterPolicyStmt")
def _alter_policy(replay: Replay, node: Node) -> None:
    table = replay.schema.table(relation_name(node["table"]) or (None, ""))
    policy = table.policies.get(node["policy_name"]) if table else None
    if policy is None:
        return
    if node.get("roles"):
        policy.roles = tuple(_role_name(role) for role in node["roles"])
    if "qual" in node:
        policy.using = node["qual"]
    if "with_check" in node:
        policy.check = node["with_check"]
    policy.origin = replay.origin
    replay.made_on(table, policy)


def _role_name(role: Node) -> str:
    spec = role.get("RoleSpec", role)
    kind = str(spec.get("roletype", "ROLESPEC_CSTRING"))
    if kind == "ROLESPEC_PUBLIC":
        return "public"
    if kind != "ROLESPEC_CSTRING":
        return kind.removeprefix("ROLESPEC_").lower()
    return str(spec.get("rolename", ""))


_EVENTS = {4: "insert", 8: "delete", 16: "update", 32: "truncate"}


@handles("CreateTrigStmt")
def _create_trigger(replay: Replay, node: Node) -> None:
    table = replay.schema.table(relation_name(node["relation"]) or (None, ""))
    if table is None:
        return
    timing_bits = node.get("timing", 0)
    timing = "before" if timing_bits & 2 else "instead of" if timing_bits & 64 else "after"
    bits = node.get("events", 0)
    trigger = Trigger(name=node["trigname"], function=".".join(names(node.get("funcname"))),
                      timing=timing, row=bool(node.get("row")), origin=replay.origin,
                      events=frozenset(event for bit, event in _EVENTS.items() if bits & bit))
    table.triggers[trigger.name] = trigger
    replay.made_on(table, trigger)


@handles("CreateFunctionStmt")
def _create_function(replay: Replay, node: Node) -> None:
    schema = replay.schema
    qname = qname_from_list(node["funcname"])
    key = (qname[0] or schema.creation_schema, qname[1])
    options = def_elems(node.get("options"))
    body = options.get("as")
    body_text = " ".join(names(body.get("List", {}).get("items"))) if isinstance(body, dict) else ""
    security = options.get("security")
    function = Function(
        schema=key[0], name=key[1], origin=replay.origin, body=body_text,
        language=str(constant(options.get("language")) or _sval(options.get("language")) or "sql"),
        security_definer=bool(security and security.get("Boolean", {}).get("boolval")),
        search_path_set=_sets_search_path(node),
        volatility=_sval(options.get("volatility")) or "volatile",
    )
    schema.add_function(function)
    replay.made(function)


def _sval(node: Node | None) -> str | None:
    return node.get("String", {}).get("sval") if node else None


def _sets_search_path(node: Node) -> bool:
    for option in node.get("options") or ():
        elem = option.get("DefElem", {})
        if elem.get("defname") == "set":
            setting = elem.get("arg", {}).get("VariableSetStmt", {})
            if setting.get("name") == "search_path":
                return True
    return False


@handles("CreateRoleStmt")
def _create_role(replay: Replay, node: Node) -> None:
    role = Role(name=node.get("role", ""), options=def_elems(node.get("options")))
    replay.schema.roles[role.name] = role
    replay.made(role)


@handles("CreateExtensionStmt")
def _create_extension(replay: Replay, node: Node) -> None:
    replay.schema.extensions.add(node["extname"])


@handles("CreateSchemaStmt")
def _create_schema(replay: Replay, node: Node) -> None:
    if node.get("schemaname"):
        replay.schema.schemas.add(node["schemaname"])


@handles("CreateEnumStmt")
def _create_enum(replay: Replay, node: Node) -> None:
    qname = qname_from_list(node["typeName"])
    key = (qname[0] or replay.schema.creation_schema, qname[1])
    values = node.get("vals") or ()
    replay.schema.enums[key] = [str(constant(value) or _sval(value)) for value in values]


@handles("CommentStmt")
def _comment(replay: Replay, node: Node) -> None:
    kind = node.get("objtype")
    target = node.get("object", {}).get("List", {}).get("items")
    if not target:
        return
    parts = names(target)
    comment = node.get("comment")
    if kind in ("OBJECT_TABLE", "OBJECT_VIEW"):
        table = replay.schema.table(qname_from_list(target))
        if table is not None:
            table.comment = comment
    elif kind == "OBJECT_COLUMN" and len(parts) >= 2:
        table = replay.schema.table((parts[-3] if len(parts) > 2 else None, parts[-2]))
        column = table.columns.get(parts[-1]) if table else None
        if column is not None:
            column.comment = comment


@handles("VariableSetStmt")
def _set(replay: Replay, node: Node) -> None:
    if node.get("name") == "search_path" and node.get("kind") == "VAR_SET_VALUE":
        path = [str(constant(arg) or _sval(arg)) for arg in node.get("args") or ()]
        replay.schema.search_path = [part.strip('"') for part in path if part] or ["public"]


@handles("AlterObjectSchemaStmt")
def _set_schema(replay: Replay, node: Node) -> None:
    if node.get("objectType") not in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        return
    schema = replay.schema
    table = schema.table(relation_name(node.get("relation")) or (None, ""))
    if table is not None:
        del schema.tables[table.key]
        table.schema = node["newschema"]
        schema.tables[table.key] = table
