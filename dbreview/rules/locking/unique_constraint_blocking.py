from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import sql_name
from dbreview.rules.locking._alter import altered_table
from dbreview.rules.statements import alter_commands
from dbreview.schema.alter_table import default_name
from dbreview.sql.nodes import Node, QName, names

_KINDS = {"CONSTR_PRIMARY": ("PRIMARY KEY", "pkey"), "CONSTR_UNIQUE": ("UNIQUE", "key")}
# a constraint with only these fields is rebuilt exactly by CREATE UNIQUE INDEX (keys)
_PLAIN_FIELDS = {"contype", "conname", "keys", "location"}


@dataclass(frozen=True, slots=True)
class _IndexBuild:
    """A UNIQUE or PRIMARY KEY constraint whose index the ALTER TABLE builds."""

    name: str
    kind: str  # PRIMARY KEY | UNIQUE
    columns: list[str]
    plain: bool  # an ADD CONSTRAINT that CREATE UNIQUE INDEX + USING INDEX reproduces


def _build(table: str, constraint: Node, column: str | None = None) -> _IndexBuild | None:
    if constraint.get("contype") not in _KINDS or constraint.get("indexname"):
        return None  # USING INDEX adopts an index built beforehand
    kind, suffix = _KINDS[constraint["contype"]]
    columns = [column] if column else names(constraint.get("keys"))
    name = constraint.get("conname") or default_name(table, columns, suffix)
    plain = column is None and set(constraint) <= _PLAIN_FIELDS
    return _IndexBuild(name, kind, columns, plain)


def _builds(node: Node, table: str) -> list[_IndexBuild]:
    found = []
    for command in alter_commands(node, "AT_AddConstraint", "AT_AddColumn"):
        definition = command.get("def") or {}
        if "Constraint" in definition:
            found.append(_build(table, definition["Constraint"]))
        column = definition.get("ColumnDef", {})
        for item in column.get("constraints") or ():
            found.append(_build(table, item["Constraint"], column["colname"]))
    return [build for build in found if build is not None]


def _suggestion(table: QName, builds: list[_IndexBuild], all_commands: int) -> str | None:
    """Build each index concurrently, then attach it: only when that is the whole statement."""
    if len(builds) != all_commands or not all(build.plain for build in builds):
        return None
    target = sql_name(table)
    lines = ["-- in a migration of its own, outside a transaction:", "-- dbreview:no-transaction"]
    for build in builds:
        index = sql_name(build.name)
        columns = ", ".join(sql_name(column) for column in build.columns)
        lines += [f"CREATE UNIQUE INDEX CONCURRENTLY {index} ON {target} ({columns});",
                  f"ALTER TABLE {target} ADD CONSTRAINT {index} {build.kind} USING INDEX {index};"]
    return "\n".join(lines)


@rule(
    id="unique-constraint-blocking",
    category="locking",
    severity="error",
    summary="UNIQUE or PRIMARY KEY constraint that builds its index on an existing table",
    rationale="ADD CONSTRAINT … UNIQUE / PRIMARY KEY (and ADD COLUMN … UNIQUE / PRIMARY KEY) "
    "builds the constraint's index while holding an ACCESS EXCLUSIVE lock: every read and write "
    "of the table waits for the whole build. Built first with CREATE UNIQUE INDEX CONCURRENTLY, "
    "the index is attached by ADD CONSTRAINT … USING INDEX in an instant.",
    remediation="CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction), then ALTER TABLE … "
    "ADD CONSTRAINT … UNIQUE / PRIMARY KEY USING INDEX; for a primary key, make the columns NOT "
    "NULL first (see set-not-null)",
    bad="ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    good="CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n"
    "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    builds = _builds(context.node, context.schema.key(name)[1])
    if not builds:
        return
    display = context.display(name)
    described = ", ".join(f"{build.kind} {build.name}" for build in builds)
    yield Hit(
        message=f"{described} on existing table {display} builds its index under ACCESS "
        "EXCLUSIVE: reads and writes wait until the build ends",
        table=display,
        suggested_sql=_suggestion(name, builds, len(list(alter_commands(context.node)))),
    )


RULE = check
