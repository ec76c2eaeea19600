from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import relation_name


@rule(
    id="rename-column",
    category="compatibility",
    severity="warning",
    summary="RENAME COLUMN on an existing table",
    rationale="The application version running while the migration deploys still uses the "
    "old name: every query that names the column fails from the moment the rename commits "
    "until the new code is everywhere, and a rollback of the code breaks it again.",
    remediation="Expand and contract: add the new column, keep both in step (write both from "
    "the code, or a trigger), backfill it, switch readers to the new column, and drop the old "
    "one in a later release",
    bad="ALTER TABLE users RENAME COLUMN name TO full_name;",
    good="ALTER TABLE users ADD COLUMN full_name text;\n"
    "-- backfill in batches, write both columns, move readers; drop name in a later release",
    kinds=["RenameStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    if node.get("renameType") != "OBJECT_COLUMN" or node.get("relationType") != "OBJECT_TABLE":
        return
    name = relation_name(node.get("relation"))
    if not context.is_existing(name):
        return
    assert name is not None
    table = context.display(name)
    yield Hit(message=f"renaming {table}.{node['subname']} to {node['newname']} breaks every "
              "query of the running application that uses the old name", table=table)


RULE = check
