"""Which default expressions are volatile (evaluated per row, so ADD COLUMN rewrites the table).

Since PostgreSQL 11 a constant or stable default (`0`, `'draft'`, `now()`) is stored once in the
catalog; a volatile one (`random()`, `gen_random_uuid()`, `nextval(…)`) is written into every row.
"""

from __future__ import annotations

from typing import Any

from dbreview.schema.model import Schema
from dbreview.sql.nodes import function_name, walk

VOLATILE_FUNCTIONS = {
    "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "uuid_generate_v7", "uuidv4", "uuidv7", "nextval",
    "setval", "txid_current", "pg_current_xact_id", "random_normal", "gen_random_bytes",
}


def is_volatile_default(expression: Any, schema: Schema) -> bool:
    return volatile_call(expression, schema) is not None


def volatile_call(expression: Any, schema: Schema) -> str | None:
    """The name of the first volatile function `expression` calls, or None."""
    for kind, fields in walk(expression):
        if kind != "FuncCall":
            continue
        name = function_name(fields)
        short = name.rsplit(".", 1)[-1]
        if short in VOLATILE_FUNCTIONS:
            return name
        function = schema.functions.get(schema.key((None, short), schema.functions))
        if function is not None and function.volatility == "volatile":
            return name
    return None
