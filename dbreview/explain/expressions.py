"""SQL text for the expression trees the schema model keeps (defaults, checks, policies).

The model stores libpg_query's JSON tree; pglast prints only its own AST. The JSON differs from
that AST in two ways this module bridges: constants are `{"sval": {"sval": …}}` instead of a
`val` node (and zero values are left out), and fields of a fixed node type (a cast's
`typeName`) come without their type's wrapper; lists are `List` nodes instead of tuples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pglast import ast
from pglast.stream import RawStream

from dbreview.sql.nodes import Node

_CONSTANT_KINDS = {"ival": "Integer", "fval": "Float", "sval": "String", "boolval": "Boolean",
                   "bsval": "BitString"}
_ZERO_VALUES = {"Integer": ("ival", 0), "Float": ("fval", "0"), "String": ("sval", ""),
                "Boolean": ("boolval", False), "BitString": ("bsval", "")}


# Parse trees as text, remembered by their shape: migrations repeat the same defaults and policy
# expressions table after table, and printing one costs twenty times more than recognising it.
_LOCATION = re.compile(r'"location": -?\d+')
_TEXTS: dict[str, str] = {}
_TEXTS_LIMIT = 4096  # the App reviews pull request after pull request in one process
_KEY_LIMIT = 4096  # a larger tree is rare and printed each time: the cache stays a few MB


def remembered(key: str, make: Callable[[], str]) -> str:
    if len(key) > _KEY_LIMIT:
        return make()
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= _TEXTS_LIMIT:
            _TEXTS.clear()
        text = _TEXTS[key] = make()
    return text


def shape(*trees: Any) -> str:
    """The same for trees that differ only in where their file wrote them."""
    return _LOCATION.sub("", json.dumps(trees, default=str))


def expression_sql(expression: Node) -> str:
    """The SQL text of one expression tree, as pglast prints it."""
    return remembered("expression" + shape(expression),
                      lambda: str(RawStream()(_convert(expression, ""))))


def _convert(value: Any, c_type: str) -> Any:
    if isinstance(value, list):
        return tuple(_convert(item, "") for item in value)
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((kind, fields),) = value.items()
        if kind == "List":  # pglast has no List node: a list is a tuple
            return _convert(fields.get("items", []), "")
        if kind[:1].isupper() and isinstance(fields, dict) and hasattr(ast, kind):
            return _node(kind, fields)
    declared = c_type.removesuffix("*")
    if c_type.endswith("*") and hasattr(ast, declared):
        return _node(declared, value)
    raise ValueError(f"cannot print a {c_type or 'bare'} node: {sorted(value)}")


def _node(kind: str, fields: Node) -> ast.Node:
    node_class = getattr(ast, kind)
    slots = node_class.__slots__
    converted: dict[str, Any] = {"@": kind}
    for name, value in fields.items():
        if kind == "A_Const" and name in _CONSTANT_KINDS:
            converted["val"] = _node(_CONSTANT_KINDS[name], value)
        else:
            converted[name] = _convert(value, slots[name].c_type if name in slots else "")
    if kind in _ZERO_VALUES:
        name, zero = _ZERO_VALUES[kind]
        converted.setdefault(name, zero)
    node: ast.Node = node_class(converted)
    return node
