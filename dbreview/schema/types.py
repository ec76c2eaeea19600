"""Column types: canonical names, and which changes rewrite a table or can lose data."""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.sql.nodes import Node, constant, names

_ALIASES = {
    "int2": "smallint", "int": "integer", "int4": "integer", "int8": "bigint",
    "serial2": "smallint", "smallserial": "smallint", "serial": "integer", "serial4": "integer",
    "serial8": "bigint", "bigserial": "bigint", "float4": "real", "float8": "double precision",
    "bool": "boolean", "character varying": "varchar", "bpchar": "char", "character": "char",
    "decimal": "numeric", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "time with time zone": "timetz",
    "time without time zone": "time",
}
SERIAL_TYPES = {"serial", "serial4", "serial2", "smallserial", "serial8", "bigserial"}
INTEGER_WIDTH = {"smallint": 2, "integer": 4, "bigint": 8}
_VARYING_TEXT = {"text", "varchar"}


@dataclass(frozen=True, slots=True)
class TypeRef:
    name: str
    mods: tuple[int, ...] = ()
    array: bool = False
    written: str = ""  # the name as the migration wrote it (serial, int4, …)

    def __str__(self) -> str:
        mods = f"({','.join(map(str, self.mods))})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"

    @property
    def is_serial(self) -> bool:
        return self.written in SERIAL_TYPES


_PRECISION_ONLY = {"timestamp", "timestamptz", "time", "timetz", "interval"}


def type_ref(type_name: Node) -> TypeRef:
    """The canonical type of a TypeName node."""
    parts = names(type_name.get("names"))
    if parts[0] == "pg_catalog":
        parts = parts[1:]
    written = ".".join(parts).lower()
    name = _ALIASES.get(written, written)
    typmods = type_name.get("typmods")
    mods: tuple[int, ...] = ()
    if typmods and name not in _PRECISION_ONLY:  # precision does not change storage
        mods = tuple(value for value in map(constant, typmods) if isinstance(value, int))
    return TypeRef(name=name, mods=mods, array="arrayBounds" in type_name, written=written)


def _bounded_text(ref: TypeRef) -> bool:
    return ref.name in ("varchar", "char") and bool(ref.mods)


def is_binary_coercible(old: TypeRef, new: TypeRef) -> bool:
    """True when changing `old` to `new` needs no table rewrite."""
    if old.array != new.array:
        return False
    if old == new or (old.name == new.name and old.mods == new.mods):
        return True
    if old.name in _VARYING_TEXT and new.name in _VARYING_TEXT:
        if new.name == "text" or not new.mods:
            return True  # varchar(n) -> text / varchar, text -> varchar
        return old.name == "varchar" and bool(old.mods) and new.mods[0] >= old.mods[0]
    if old.name == "numeric" and new.name == "numeric":
        if not new.mods:
            return True
        if len(old.mods) >= 1 and len(new.mods) >= 1:
            old_scale = old.mods[1] if len(old.mods) > 1 else 0
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            return new_scale == old_scale and new.mods[0] >= old.mods[0]
    return old.name in ("cidr",) and new.name == "inet"


def narrowing_reason(old: TypeRef, new: TypeRef) -> str | None:
    """Why changing `old` to `new` can lose or reject existing data, or None."""
    if old.array != new.array:
        return None
    if new.name == "boolean" and old.name != "boolean":
        return f"{old} values that are not true/false are rejected by boolean"
    old_width, new_width = INTEGER_WIDTH.get(old.name), INTEGER_WIDTH.get(new.name)
    if old_width and new_width and new_width < old_width:
        return f"{old} values beyond {new}'s range are rejected"
    if old.name in ("numeric", "real", "double precision") and new_width:
        return f"{old} fractions are rounded away by {new}"
    if (old.name in _VARYING_TEXT or old.name == "char") and _bounded_text(new):
        if not _bounded_text(old) or new.mods[0] < old.mods[0]:
            return f"strings longer than {new.mods[0]} characters are rejected"
    if old.name == "numeric" and new.name == "numeric" and new.mods:
        old_precision = old.mods[0] if old.mods else None
        old_scale = old.mods[1] if len(old.mods) > 1 else (0 if old.mods else None)
        new_scale = new.mods[1] if len(new.mods) > 1 else 0
        if old_precision is None or new.mods[0] < old_precision or (
            old_scale is not None and new_scale < old_scale
        ):
            return f"numbers that do not fit {new} are rejected or rounded"
    if old.name in ("timestamptz", "timestamp") and new.name == "date":
        return "the time of day is dropped"
    if old.name == "double precision" and new.name == "real":
        return "precision beyond real's 6 digits is lost"
    return None
