"""Reading libpg_query's JSON parse tree: names, relations, constants and tree walks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Node = dict[str, Any]
QName = tuple[str | None, str]  # (schema or None when unqualified, name)


def names(items: list[Node] | None) -> list[str]:
    """The strings of a list of `String` nodes (qualified names, column lists)."""
    return [item["String"]["sval"] for item in items or () if "String" in item]


def relation_name(range_var: Node | None) -> QName | None:
    if not range_var:
        return None
    return range_var.get("schemaname"), range_var["relname"]


def qname_from_list(items: list[Node]) -> QName:
    parts = names(items)
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return None, parts[-1] if parts else ""


def display(name: QName) -> str:
    schema, relname = name
    return f"{schema}.{relname}" if schema else relname


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every (type, fields) pair in the tree, depth first. The tree is libpg_query's JSON:
    plain dicts and lists, told apart by exact type (faster than isinstance, and this runs
    on every node of every policy, default and function body a rule looks into)."""
    stack = [node]
    push = stack.append
    while stack:
        current = stack.pop()
        if type(current) is dict:
            for key, value in current.items():
                if type(value) is dict:
                    if key[:1].isupper():
                        yield key, value
                    push(value)
                elif type(value) is list:
                    push(value)
        elif type(current) is list:
            stack.extend(reversed(current))


def function_name(call: Node) -> str:
    """The qualified name of a FuncCall in lower case: `auth.uid`, `now`."""
    return ".".join(names(call.get("funcname"))).lower()


_CONSTANT_ZEROS = (("sval", ""), ("ival", 0), ("fval", "0"), ("boolval", False))


def constant(node: Node | None) -> Any:
    """The Python value of an A_Const (or a string/number node), else None."""
    if not node:
        return None
    value = node.get("A_Const", node)
    for key, zero in _CONSTANT_ZEROS:
        if key in value:
            # libpg_query leaves zero values out: {"ival": {}} is 0
            return value[key].get(key, zero)
    return None


def column_refs(node: Any) -> Iterator[str]:
    """The last name of every column reference in the tree."""
    for kind, fields in walk(node):
        if kind == "ColumnRef":
            parts = names(fields.get("fields"))
            if parts:
                yield parts[-1]


def def_elems(items: list[Node] | None) -> dict[str, Any]:
    """`WITH (a = b)` options and similar DefElem lists, as {name: node}."""
    result: dict[str, Any] = {}
    for item in items or ():
        elem = item.get("DefElem")
        if elem:
            result[elem["defname"]] = elem.get("arg")
    return result


def option_value(arg: Any) -> str:
    """A `WITH (name = value)` option's value in lower case; a bare option is 'true'."""
    if arg is None:
        return "true"
    if isinstance(arg, dict):
        if "Boolean" in arg:
            return str(arg["Boolean"].get("boolval", False)).lower()
        if "TypeName" in arg:
            return ".".join(names(arg["TypeName"].get("names"))).lower()
        for kind, field in (("String", "sval"), ("Integer", "ival"), ("Float", "fval")):
            if kind in arg:
                return str(arg[kind].get(field, 0)).lower()
    return str(arg).lower()


def truthy(value: str | None) -> bool:
    return value in ("true", "on", "1", "yes")
