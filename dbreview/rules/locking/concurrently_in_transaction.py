from __future__ import annotations

from collections.abc import Iterator

from dbreview.layouts.base import TransactionMode
from dbreview.rules.base import FileContext, Hit, StatementContext, rule
from dbreview.rules.statements import alter_commands
from dbreview.sql.nodes import Node, def_elems, relation_name


def _concurrent_command(kind: str, node: Node) -> str | None:
    """The CONCURRENTLY command the statement runs, if any."""
    if kind == "IndexStmt" and node.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and node.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and "concurrently" in def_elems(node.get("params")):
        return "REINDEX CONCURRENTLY"
    detaches = alter_commands(node, "AT_DetachPartition") if kind == "AlterTableStmt" else []
    if any(command["def"]["PartitionCmd"].get("concurrent") for command in detaches):
        return "DETACH PARTITION CONCURRENTLY"
    return None


def _why_in_transaction(file: FileContext) -> str:
    if file.transaction_mode is TransactionMode.WRAPPED:
        return "the migration runner wraps the file in a transaction"
    if file.transaction_mode is TransactionMode.SCRIPT:
        return "the file holds several statements, which PostgreSQL runs as one transaction"
    return "it runs between BEGIN and COMMIT"


@rule(
    id="concurrently-in-transaction",
    category="locking",
    severity="error",
    summary="CONCURRENTLY inside a transaction (fails at run time)",
    rationale="CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and "
    "DETACH PARTITION … CONCURRENTLY commit several transactions of their own, so PostgreSQL "
    "refuses them inside a transaction block: the migration fails when it is deployed.",
    remediation="Move the statement to a migration file of its own that runs outside a "
    "transaction: no BEGIN/COMMIT around it, `-- dbreview:no-transaction` at the top, and the "
    "runner's own marker (goose `-- +goose NO TRANSACTION`, dbmate `-- migrate:up "
    "transaction:false`; Prisma runs a migration.sql holding one statement on its own)",
    bad="BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\nCOMMIT;",
    good="-- dbreview:no-transaction\n"
    "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);",
    kinds=["IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    command = _concurrent_command(context.statement.kind, context.node)
    if command is None or not context.in_transaction:
        return
    name = relation_name(context.node.get("relation"))
    if context.node.get("kind") == "REINDEX_OBJECT_INDEX":
        name = None  # names an index, not a table
    table = context.display(name) if name else None
    yield Hit(
        message=f"{command} cannot run inside a transaction block, and "
        f"{_why_in_transaction(context.file)}: the migration will fail",
        table=table,
    )


RULE = check
