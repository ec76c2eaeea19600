from __future__ import annotations

from collections.abc import Iterator

from dbreview.impact.locks import set_not_null_scans
from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import sql_name
from dbreview.rules.locking._alter import altered_table, in_two_migrations
from dbreview.rules.statements import alter_commands
from dbreview.sql.identifiers import truncated
from dbreview.sql.nodes import QName


def _check_name(table: str, column: str) -> str:
    return truncated(f"{table}_{column}_not_null")  # the name PostgreSQL would keep


def _suggestion(table: QName, columns: list[str]) -> str:
    """The CHECK … NOT VALID / VALIDATE / SET NOT NULL / DROP CONSTRAINT sequence."""
    target = sql_name(table)
    checks = {column: sql_name(_check_name(table[1], column)) for column in columns}
    now = [f"ALTER TABLE {target} ADD CONSTRAINT {check} CHECK ({sql_name(column)} IS NOT NULL) "
           "NOT VALID;" for column, check in checks.items()]
    later = [f"ALTER TABLE {target} VALIDATE CONSTRAINT {check};" for check in checks.values()]
    later += [f"ALTER TABLE {target} ALTER COLUMN {sql_name(column)} SET NOT NULL;"
              for column in columns]
    later += [f"ALTER TABLE {target} DROP CONSTRAINT {check};" for check in checks.values()]
    return in_two_migrations(now, later)


@rule(
    id="set-not-null",
    category="locking",
    severity="warning",
    summary="SET NOT NULL on an existing table without a validated CHECK (col IS NOT NULL)",
    rationale="ALTER COLUMN … SET NOT NULL scans the whole table for NULLs while holding an "
    "ACCESS EXCLUSIVE lock: every read and write waits for the scan. Since PostgreSQL 12 a "
    "validated CHECK (col IS NOT NULL) constraint proves there is no NULL and the scan is "
    "skipped, and that CHECK can be added NOT VALID and validated without blocking.",
    remediation="Add CHECK (col IS NOT NULL) NOT VALID; in a later migration VALIDATE it, then "
    "SET NOT NULL (no scan now) and drop the CHECK",
    bad="ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;",
    good="ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null\n"
    "  CHECK (customer_id IS NOT NULL) NOT VALID;\n"
    "-- in a later migration:\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;\n"
    "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n"
    "ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = altered_table(context)
    if name is None:
        return
    table = context.table(name)
    columns = [command.get("name", "") for command in alter_commands(context.node, "AT_SetNotNull")
               if set_not_null_scans(table, command.get("name", ""))]
    if not columns:
        return
    display = context.display(name)
    fixable = context.config.pg_version >= 12  # older versions scan despite the CHECK
    yield Hit(
        message=f"SET NOT NULL on {', '.join(columns)} of existing table {display} scans every "
        "row under ACCESS EXCLUSIVE: reads and writes wait until the scan ends",
        table=display,
        suggested_sql=_suggestion(name, columns) if fixable else None,
    )


RULE = check
