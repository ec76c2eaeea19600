from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import relation_name

_WEAKENING = {
    "AT_DisableRowSecurity": ("DISABLE ROW LEVEL SECURITY", "every role with a grant reads "
                              "and writes every tenant's rows"),
    "AT_NoForceRowSecurity": ("NO FORCE ROW LEVEL SECURITY", "the table owner (and code "
                              "running as it) bypasses the policies again"),
}


@rule(
    id="rls-disabled",
    category="isolation",
    severity="error",
    summary="DISABLE ROW LEVEL SECURITY or NO FORCE ROW LEVEL SECURITY on any table",
    rationale="Turning row level security off removes tenant isolation for the table at once, "
    "for every role with a grant; it is rarely meant, and never meant silently.",
    remediation="Keep row level security on; fix the policy that is in the way instead (or, "
    "for a maintenance job, use a role with BYPASSRLS)",
    bad="ALTER TABLE projects DISABLE ROW LEVEL SECURITY;",
    good="ALTER POLICY projects_select ON projects USING (tenant_id = (select auth.uid()));",
    kinds=["AlterTableStmt"],
)
def check(context: StatementContext) -> Iterator[Hit]:
    name = relation_name(context.node.get("relation"))
    if name is None:
        return
    table = context.display(name)
    for item in context.node.get("cmds") or ():
        subtype = item.get("AlterTableCmd", {}).get("subtype")
        if subtype in _WEAKENING:
            clause, effect = _WEAKENING[subtype]
            yield Hit(message=f"{clause} on {table}: {effect}", table=table)


RULE = check
