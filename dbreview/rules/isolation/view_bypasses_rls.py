from __future__ import annotations

from collections.abc import Iterator

from dbreview.config import Config
from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.tenancy.generated_sql import qualified
from dbreview.rules.tenancy.tenant_tables import TENANT_TABLE_KEYS, is_tenant_table
from dbreview.schema.model import Schema, Table
from dbreview.sql.nodes import relation_name, truthy, walk

OLD_POSTGRES_REMEDIATION = ("PostgreSQL before 15 has no security_invoker: revoke SELECT on "
                            "the view from anon and authenticated, or expose the rows through a "
                            "function that filters by tenant")


@rule(
    id="view-bypasses-rls",
    category="isolation",
    severity="error",
    summary="A view reading a tenant table or an RLS table without security_invoker = true",
    rationale="A view runs with its owner's rights: the migration role owns it, and the "
    "owner bypasses row level security, so every user who may select from the view sees "
    "every tenant's rows.",
    remediation="Create the view WITH (security_invoker = true) (PostgreSQL 15+), so the "
    "policies of the tables apply to the user querying it",
    bad="CREATE VIEW project_names AS SELECT id, name FROM projects;",
    good="CREATE VIEW project_names WITH (security_invoker = true) AS\n"
    "  SELECT id, name FROM projects;",
    scope=Scope.CHANGESET,
    config_keys=[*TENANT_TABLE_KEYS, "pg_version"],
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    config = context.config
    schema = context.schema
    for view in schema.new_tables():
        if not view.new or view.kind != "view" or truthy(view.options.get("security_invoker")):
            continue
        protected = _protected_tables(view, schema, config)
        if protected:
            yield Hit(
                message=f"view {view.display} reads {', '.join(protected)} with its owner's "
                "rights, bypassing row level security",
                table=view.display,
                suggested_sql=f"ALTER VIEW {qualified(view)} SET (security_invoker = true);",
                remediation=OLD_POSTGRES_REMEDIATION if config.pg_version < 15 else None,
                at=view.origin,
            )


def _protected_tables(view: Table, schema: Schema, config: Config) -> list[str]:
    """The tables the view reads that row level security protects, or that the changeset
    creates as tenant tables and so must protect (older tables without RLS in a project that
    does not use it leave nothing to bypass)."""
    found: dict[str, None] = {}
    for kind, fields in walk(view.query):
        if kind != "RangeVar":
            continue
        table = schema.table(relation_name(fields) or (None, ""))
        if table is not None and (table.rls_enabled
                                  or (table.new and is_tenant_table(table, config))):
            found[table.display] = None
    return list(found)


RULE = check
