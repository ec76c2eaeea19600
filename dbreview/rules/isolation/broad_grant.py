from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.rules.isolation.statement_fixes import grant_without
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, is_tenant_key, is_tenant_table
from dbreview.sql.nodes import Node, names, relation_name

BROAD_ROLES = ("anon", "public")  # anon: anyone holding the project's public API key


@rule(
    id="broad-grant",
    category="isolation",
    severity="warning",
    summary="GRANT on a tenant table to anon or PUBLIC",
    rationale="Row level security is the only thing left between a tenant's rows and anyone "
    "on the internet once anon (or PUBLIC) holds a grant: one permissive policy written too "
    "broadly, or RLS switched off for a minute, exposes them.",
    remediation="Grant tenant tables to authenticated (and service_role) only",
    bad="GRANT SELECT ON projects TO anon;",
    good="GRANT SELECT ON projects TO authenticated;",
    scope=Scope.FILE,
    config_keys=TENANT_TABLE_KEYS,
)
def check(file: FileContext) -> Iterator[Hit]:
    # One finding per table and role in a file: schema dumps grant each privilege separately.
    reported: set[tuple[str, str]] = set()
    for statement in file.statements:
        node = statement.node
        if statement.kind != "GrantStmt" or not node.get("is_grant") \
                or node.get("objtype") != "OBJECT_TABLE":
            continue
        roles = [_role(spec) for spec in node.get("grantees") or ()]
        broad = [role for role in roles if role in BROAD_ROLES]
        tables = [table for table in _tenant_tables(file, node)
                  if any((table, role) not in reported for role in broad)]
        if not broad or not tables:
            continue
        reported.update((table, role) for table in tables for role in broad)
        others = [role for role in roles if role not in BROAD_ROLES]
        yield Hit(
            message=f"GRANT to {' and '.join(broad)} on tenant table {_listed(tables)}: "
            "only row level security stands between its rows and unauthenticated clients",
            table=tables[0], at=file.origin(statement),
            suggested_sql=grant_without(statement.text, BROAD_ROLES) if others else None,
        )


def _listed(tables: list[str], shown: int = 3) -> str:
    more = len(tables) - shown
    return ", ".join(tables[:shown]) + (f" and {more} more" if more > 0 else "")


def _role(spec: Node) -> str:
    role = spec.get("RoleSpec", {})
    return "public" if role.get("roletype") == "ROLESPEC_PUBLIC" else role.get("rolename", "")


def _tenant_tables(file: FileContext, node: Node) -> list[str]:
    assert file.changeset is not None
    schema, config = file.changeset.schema, file.changeset.config
    if node.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
        schemas = set(names(node.get("objects")))
        return [table.display for table in schema.tables.values()
                if table.schema in schemas and is_tenant_table(table, config)]
    found = []
    for item in node.get("objects") or ():
        name = relation_name(item.get("RangeVar"))
        if name is None:
            continue
        table = schema.table(name)
        key = schema.key(name)
        if is_tenant_table(table, config) if table else is_tenant_key(key, config):
            found.append(f"{key[0]}.{key[1]}")
    return found


RULE = check
