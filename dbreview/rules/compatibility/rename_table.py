from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import sql_name
from dbreview.sql.nodes import QName, relation_name


@rule(
    id="rename-table",
    category="compatibility",
    severity="warning",
    summary="ALTER TABLE … RENAME TO on an existing table",
    rationale="The application version running while the migration deploys still uses the "
    "old name: every query on the table fails from the moment the rename commits until the "
    "new code is everywhere, and a rollback of the code breaks it again.",
    remediation="Expand and contract: rename the table and create a view with the old name "
    "over it (a simple view accepts INSERT, UPDATE and DELETE), move the code to the new "
    "name, then drop the view in a later release",
    bad="ALTER TABLE customers RENAME TO accounts;",
    good="ALTER TABLE customers RENAME TO accounts;\n"
    "CREATE VIEW customers WITH (security_invoker = true) AS SELECT * FROM accounts;",
    kinds=["RenameStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    node = context.node
    name = relation_name(node.get("relation"))
    if node.get("renameType") != "OBJECT_TABLE" or not context.is_existing(name):
        return
    assert name is not None
    if _old_name_kept(context, name):
        return
    table = context.display(name)
    yield Hit(message=f"renaming {table} to {node['newname']} breaks every query of the "
              "running application that uses the old name", table=table,
              suggested_sql=_compatibility_view(context.statement.text, name, node["newname"]))


def _old_name_kept(context: StatementContext, old: QName) -> bool:
    """A later statement of the file creates a view under the old name: old code keeps working."""
    key = context.schema.key(old)
    return any(
        statement.kind == "ViewStmt"
        and (view := relation_name(statement.node.get("view"))) is not None
        and context.schema.key(view) == key
        for statement in context.file.statements[context.statement.index + 1:]
    )


def _compatibility_view(rename: str, old: QName, new: str) -> str:
    """The rename followed by a view under the old name, so old code keeps working."""
    return (f"{rename.strip()};\n"
            f"-- keeps the old name working until every reader uses {new}; drop it then\n"
            f"CREATE VIEW {sql_name(old)} WITH (security_invoker = true) AS "
            f"SELECT * FROM {sql_name((old[0], new))};")


RULE = check
