from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import ChangesetContext, Hit, Scope, rule
from dbreview.rules.isolation.statement_fixes import set_search_path


@rule(
    id="security-definer-search-path",
    category="isolation",
    severity="warning",
    summary="A SECURITY DEFINER function without SET search_path",
    rationale="A SECURITY DEFINER function runs with its owner's rights but resolves names "
    "through the caller's search_path: a user who can create an object earlier on that path "
    "(a function `now()`, a table `tenants`) runs their code as the owner, past every policy.",
    remediation="Add SET search_path to the function (its schemas, then pg_temp; or '' with "
    "every name schema-qualified)",
    bad="CREATE FUNCTION log_activity() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER\n"
    "  AS $$ BEGIN INSERT INTO activity_log (action) VALUES (TG_OP); RETURN NULL; END $$;",
    good="CREATE FUNCTION log_activity() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER\n"
    "  SET search_path = public, pg_temp\n"
    "  AS $$ BEGIN INSERT INTO activity_log (action) VALUES (TG_OP); RETURN NULL; END $$;",
    scope=Scope.CHANGESET,
)
def check(context: ChangesetContext) -> Iterator[Hit]:
    trusted = [name for name in context.schema.search_path if name not in ("$user", "pg_temp")]
    path = [*trusted, "pg_temp"]  # the migration's own schemas; temporary objects last
    for function in context.schema.new_functions():
        if not function.security_definer or function.search_path_set:
            continue
        statement = context.statement_at(function.origin)
        name = f"{function.schema}.{function.name}"
        yield Hit(
            message=f"SECURITY DEFINER function {name} has no SET search_path: callers choose "
            "which objects it runs with its owner's rights",
            suggested_sql=set_search_path(statement.text, path) if statement else None,
            at=function.origin,
        )


RULE = check
