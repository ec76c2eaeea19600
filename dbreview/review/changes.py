"""What a statement changes, in words: `add column public.tasks.assignee_id (uuid not null)`.

Read off the parse tree with the schema as it stands before the statement (to qualify names
through the search path); statements that change nothing lasting (SET, BEGIN, SELECT) say
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dbreview.review.model import Change
from dbreview.schema.model import Schema
from dbreview.schema.types import type_ref
from dbreview.secrets import mask_secrets
from dbreview.sql.nodes import Node, QName, names, qname_from_list, relation_name
from dbreview.sql.parse import Statement

Described = Iterator[tuple[str, str, str, str | None]]  # (action, object, name, detail)
_DESCRIBERS: dict[str, Callable[[Schema, Node], Described]] = {}


def _describes(*kinds: str) -> Callable[[Callable[[Schema, Node], Described]],
                                        Callable[[Schema, Node], Described]]:
    def register(describer: Callable[[Schema, Node], Described]
                 ) -> Callable[[Schema, Node], Described]:
        for kind in kinds:
            _DESCRIBERS[kind] = describer
        return describer

    return register


def describe(statement: Statement, schema: Schema) -> list[Change]:
    """Each change the statement makes; none for statements that change nothing lasting."""
    describer = _DESCRIBERS.get(statement.kind)
    if describer is None:
        return []
    line = statement.span.line
    return [Change(line=line, action=action, object=thing, name=name,
                   detail=detail and mask_secrets(detail))  # enum values are literals
            for action, thing, name, detail in describer(schema, statement.node)]


def _table(schema: Schema, name: QName | None) -> str:
    if name is None:
        return "?"
    key = schema.key(name)
    return f"{key[0]}.{key[1]}"


def _object_name(schema: Schema, name: QName) -> str:
    """A schema object other than a table: qualified as written, else in the creation schema."""
    return f"{name[0] or schema.creation_schema}.{name[1]}"


def _type_text(type_name: Node) -> str:
    return str(type_ref(type_name))


def _column_detail(column: Node) -> str:
    parts = [_type_text(column["typeName"])] if column.get("typeName") else []
    for item in column.get("constraints") or ():
        contype = item["Constraint"]["contype"]
        parts.append(_CONSTRAINT_WORDS.get(contype, ""))
    return " ".join(part for part in parts if part)


_CONSTRAINT_WORDS = {
    "CONSTR_NOTNULL": "not null", "CONSTR_DEFAULT": "with default", "CONSTR_PRIMARY": "primary key",
    "CONSTR_UNIQUE": "unique", "CONSTR_FOREIGN": "references", "CONSTR_CHECK": "check",
    "CONSTR_IDENTITY": "identity", "CONSTR_GENERATED": "generated", "CONSTR_EXCLUSION": "exclude",
}
_CONSTRAINT_KINDS = {
    "CONSTR_PRIMARY": "primary key", "CONSTR_UNIQUE": "unique", "CONSTR_FOREIGN": "foreign key",
    "CONSTR_CHECK": "check", "CONSTR_EXCLUSION": "exclusion", "CONSTR_NOTNULL": "not null",
}


@_describes("CreateStmt")
def _create_table(schema: Schema, node: Node) -> Described:
    columns = [item for item in node.get("tableElts") or () if "ColumnDef" in item]
    partition = " partition" if node.get("partbound") else ""
    detail = f"{len(columns)} column{'s' if len(columns) != 1 else ''}"
    yield "create", f"table{partition}", _object_name(schema, relation_name(node["relation"])
                                                      or (None, "?")), detail


@_describes("CreateTableAsStmt")
def _create_table_as(schema: Schema, node: Node) -> Described:
    kind = "materialized view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
    name = relation_name(node.get("into", {}).get("rel")) or (None, "?")
    yield "create", kind, _object_name(schema, name), None


@_describes("ViewStmt")
def _view(schema: Schema, node: Node) -> Described:
    action = "create or replace" if node.get("replace") else "create"
    yield action, "view", _object_name(schema, relation_name(node["view"]) or (None, "?")), None


@_describes("AlterTableStmt")
def _alter_table(schema: Schema, node: Node) -> Described:
    table = _table(schema, relation_name(node.get("relation")))
    if node.get("objtype") == "OBJECT_INDEX":
        yield "alter", "index", table, None
        return
    for item in node.get("cmds") or ():
        command = item.get("AlterTableCmd")
        if command:
            yield _alter_command(table, command)


_RLS_COMMANDS = {
    "AT_EnableRowSecurity": ("enable", "row level security"),
    "AT_DisableRowSecurity": ("disable", "row level security"),
    "AT_ForceRowSecurity": ("force", "row level security"),
    "AT_NoForceRowSecurity": ("no force", "row level security"),
}


def _alter_command(table: str, command: Node) -> tuple[str, str, str, str | None]:
    subtype = command.get("subtype", "")
    column = f"{table}.{command.get('name', '')}"
    definition = command.get("def") or {}
    if subtype == "AT_AddColumn":
        column_def = definition.get("ColumnDef", {})
        return "add", "column", f"{table}.{column_def.get('colname', '?')}", _column_detail(
            column_def) or None
    if subtype == "AT_DropColumn":
        return "drop", "column", column, None
    if subtype == "AT_AlterColumnType":
        type_name = definition.get("ColumnDef", {}).get("typeName")
        return "change type of", "column", column, f"to {_type_text(type_name)}" if type_name \
            else None
    if subtype in ("AT_SetNotNull", "AT_DropNotNull"):
        return ("set" if subtype == "AT_SetNotNull" else "drop"), "not null", column, None
    if subtype == "AT_ColumnDefault":
        return ("set" if definition else "drop"), "default", column, None
    if subtype in ("AT_AddConstraint", "AT_AddIndexConstraint"):
        constraint = definition.get("Constraint", {})
        kind = _CONSTRAINT_KINDS.get(constraint.get("contype", ""), "constraint")
        name = constraint.get("conname") or kind
        detail = "not valid" if constraint.get("skip_validation") else None
        return "add", f"{kind} constraint", f"{table}.{name}", detail
    if subtype == "AT_DropConstraint":
        return "drop", "constraint", column, None
    if subtype == "AT_ValidateConstraint":
        return "validate", "constraint", column, None
    if subtype in _RLS_COMMANDS:
        action, thing = _RLS_COMMANDS[subtype]
        return action, thing, table, None
    words = subtype.removeprefix("AT_")
    return "alter", "table", table, "".join(f" {c.lower()}" if c.isupper() else c
                                             for c in words).strip()


@_describes("IndexStmt")
def _index(schema: Schema, node: Node) -> Described:
    columns = [element["IndexElem"].get("name") or "(expression)"
               for element in node.get("indexParams") or ()]
    words = [word for word, flag in (("unique", node.get("unique")),
                                     ("concurrently", node.get("concurrent")),
                                     ("partial", node.get("whereClause"))) if flag]
    table = _table(schema, relation_name(node["relation"]))
    detail = " ".join([*words, f"on {table} ({', '.join(columns)})"])
    yield "create", "index", node.get("idxname") or "(unnamed)", detail


_DROP_OBJECTS = {
    "OBJECT_TABLE": "table", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "materialized view",
    "OBJECT_INDEX": "index", "OBJECT_POLICY": "policy", "OBJECT_TRIGGER": "trigger",
    "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure", "OBJECT_TYPE": "type",
    "OBJECT_SCHEMA": "schema", "OBJECT_SEQUENCE": "sequence", "OBJECT_EXTENSION": "extension",
    "OBJECT_FOREIGN_TABLE": "foreign table", "OBJECT_DOMAIN": "domain", "OBJECT_RULE": "rule",
}
_ON_TABLE = {"OBJECT_POLICY", "OBJECT_TRIGGER", "OBJECT_RULE"}
_RELATIONS = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}


@_describes("DropStmt")
def _drop(schema: Schema, node: Node) -> Described:
    kind = node.get("removeType", "")
    thing = _DROP_OBJECTS.get(kind, kind.removeprefix("OBJECT_").lower().replace("_", " "))
    cascade = "cascade" if node.get("behavior") == "DROP_CASCADE" else None
    for item in node.get("objects") or ():
        yield "drop", thing, _dropped_name(schema, kind, item), cascade


def _dropped_name(schema: Schema, kind: str, item: Node) -> str:
    if "String" in item:  # DROP SCHEMA, DROP EXTENSION
        return str(item["String"]["sval"])
    if "ObjectWithArgs" in item:
        return ".".join(names(item["ObjectWithArgs"].get("objname"))) + "()"
    if "TypeName" in item:
        return ".".join(names(item["TypeName"].get("names")))
    parts = names(item.get("List", {}).get("items"))
    if kind in _ON_TABLE and len(parts) >= 2:
        return f"{parts[-1]} on {_table(schema, qname_from_list(item['List']['items'][:-1]))}"
    if kind in _RELATIONS and parts:
        return _table(schema, qname_from_list(item["List"]["items"]))
    return ".".join(parts)


_RENAMED = {
    "OBJECT_TABLE": "table", "OBJECT_COLUMN": "column", "OBJECT_INDEX": "index",
    "OBJECT_VIEW": "view", "OBJECT_TABCONSTRAINT": "constraint", "OBJECT_SCHEMA": "schema",
    "OBJECT_POLICY": "policy", "OBJECT_TRIGGER": "trigger", "OBJECT_FUNCTION": "function",
}


@_describes("RenameStmt")
def _rename(schema: Schema, node: Node) -> Described:
    kind = node.get("renameType", "")
    thing = _RENAMED.get(kind, kind.removeprefix("OBJECT_").lower())
    relation = relation_name(node.get("relation"))
    if relation is not None:
        old = _table(schema, relation)
        if node.get("subname"):
            old = f"{old}.{node['subname']}"
    else:
        old = str(node.get("subname") or ".".join(names(node.get("object", {}).get("List", {})
                                                        .get("items"))))
    yield "rename", thing, old, f"to {node.get('newname', '?')}"


@_describes("CreatePolicyStmt")
def _policy(schema: Schema, node: Node) -> Described:
    table = _table(schema, relation_name(node.get("table")))
    command = str(node.get("cmd_name", "all")).upper()
    yield "create", "policy", f"{node.get('policy_name', '?')} on {table}", f"for {command}"


@_describes("AlterPolicyStmt")
def _alter_policy(schema: Schema, node: Node) -> Described:
    table = _table(schema, relation_name(node.get("table")))
    yield "alter", "policy", f"{node.get('policy_name', '?')} on {table}", None


@_describes("CreateFunctionStmt")
def _function(schema: Schema, node: Node) -> Described:
    kind = "procedure" if node.get("is_procedure") else "function"
    action = "create or replace" if node.get("replace") else "create"
    name = _object_name(schema, qname_from_list(node.get("funcname") or []))
    yield action, kind, f"{name}()", None


@_describes("CreateTrigStmt")
def _trigger(schema: Schema, node: Node) -> Described:
    table = _table(schema, relation_name(node.get("relation")))
    function = ".".join(names(node.get("funcname")))
    yield "create", "trigger", f"{node.get('trigname', '?')} on {table}", f"runs {function}()"


@_describes("CreateEnumStmt")
def _enum(schema: Schema, node: Node) -> Described:
    values = ", ".join(names(node.get("vals")))
    yield "create", "enum type", ".".join(names(node.get("typeName"))), values


@_describes("AlterEnumStmt")
def _alter_enum(schema: Schema, node: Node) -> Described:
    value = node.get("newVal")
    detail = f"add value {value}" if value and not node.get("oldVal") else None
    yield "alter", "enum type", ".".join(names(node.get("typeName"))), detail


@_describes("CompositeTypeStmt")
def _composite(schema: Schema, node: Node) -> Described:
    yield "create", "type", _table(schema, relation_name(node.get("typevar"))), None


@_describes("CreateExtensionStmt")
def _extension(schema: Schema, node: Node) -> Described:
    yield "create", "extension", str(node.get("extname", "?")), None


@_describes("CreateSchemaStmt")
def _schema(schema: Schema, node: Node) -> Described:
    yield "create", "schema", str(node.get("schemaname", "?")), None


@_describes("CreateSeqStmt")
def _sequence(schema: Schema, node: Node) -> Described:
    yield "create", "sequence", _table(schema, relation_name(node.get("sequence"))), None


@_describes("CreateRoleStmt")
def _create_role(schema: Schema, node: Node) -> Described:
    yield "create", "role", str(node.get("role", "?")), None


@_describes("AlterRoleStmt")
def _alter_role(schema: Schema, node: Node) -> Described:
    yield "alter", "role", str((node.get("role") or {}).get("rolename", "?")), None


@_describes("GrantStmt")
def _grant(schema: Schema, node: Node) -> Described:
    privileges = ", ".join(item["AccessPriv"].get("priv_name", "all").upper()
                           for item in node.get("privileges") or ()) or "ALL"
    grantees = ", ".join(item["RoleSpec"].get("rolename") or "PUBLIC"
                         for item in node.get("grantees") or ())
    targets = [_table(schema, relation_name(item["RangeVar"])) if "RangeVar" in item
               else "…" for item in node.get("objects") or ()]
    action = "grant" if node.get("is_grant") else "revoke"
    word = "to" if node.get("is_grant") else "from"
    yield action, f"{privileges} on", ", ".join(targets) or "…", f"{word} {grantees}"


@_describes("CommentStmt")
def _comment(schema: Schema, node: Node) -> Described:
    thing = str(node.get("objtype", "")).removeprefix("OBJECT_").lower()
    target = node.get("object", {})
    name = ".".join(names(target.get("List", {}).get("items"))) or str(
        target.get("String", {}).get("sval", "?"))
    yield "comment on", thing, name, None


@_describes("UpdateStmt", "DeleteStmt", "InsertStmt")
def _data(schema: Schema, node: Node) -> Described:
    table = _table(schema, relation_name(node.get("relation")))
    if "cols" in node or "selectStmt" in node:
        yield "insert", "rows into", table, None
        return
    action = "update" if "targetList" in node else "delete"
    yield action, "rows of", table, None if "whereClause" in node else "every row"


@_describes("TruncateStmt")
def _truncate(schema: Schema, node: Node) -> Described:
    for relation in node.get("relations") or ():
        yield "truncate", "table", _table(schema, relation_name(relation.get("RangeVar"))), None


@_describes("RefreshMatViewStmt")
def _refresh(schema: Schema, node: Node) -> Described:
    detail = "concurrently" if node.get("concurrent") else None
    yield "refresh", "materialized view", _table(schema, relation_name(node.get("relation"))), \
        detail
