from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.rules.fixes import rewrite
from dbreview.rules.security.roles import ROLE_KINDS, role_options

_PRIVILEGES = {"superuser": "SUPERUSER", "bypassrls": "BYPASSRLS"}
_CONSEQUENCE = {
    "superuser": "skips every permission check and row level security, and can run "
    "operating-system commands",
    "bypassrls": "reads and writes every row of every table, whatever its policies say",
}


def _without_privileges(node: Any) -> None:
    node.options = [option for option in node.options or ()
                    if option.defname not in _PRIVILEGES] or None


@rule(
    id="privileged-role",
    category="security",
    severity="error",
    summary="CREATE/ALTER ROLE with SUPERUSER or BYPASSRLS",
    rationale="A superuser or BYPASSRLS role ignores row level security: one leaked "
    "credential of it exposes every tenant's data. Supabase already provides service_role for "
    "trusted back-end work.",
    remediation="Grant the role only the privileges it needs on the tables it uses; for "
    "trusted back-end work use the existing service_role instead of a new privileged role",
    bad="CREATE ROLE reporting LOGIN BYPASSRLS;",
    good="CREATE ROLE reporting LOGIN;\nGRANT SELECT ON public.orders TO reporting;",
    kinds=ROLE_KINDS,
)
def check(context: StatementContext) -> Iterator[Hit]:
    options = role_options(context.statement.kind, context.node)
    if options is None:
        return
    granted = [option for option in _PRIVILEGES if options.enabled(option)]
    if not granted:
        return
    verb = "creates" if context.statement.kind == "CreateRoleStmt" else "alters"
    consequences = "; ".join(f"{_PRIVILEGES[option]} {_CONSEQUENCE[option]}"
                             for option in granted)
    suggested = (rewrite(context.statement.text, _without_privileges)
                 if context.statement.kind == "CreateRoleStmt" else None)
    yield Hit(message=f"{verb} role {options.role} with "
              f"{' and '.join(_PRIVILEGES[o] for o in granted)}: {consequences}",
              suggested_sql=suggested)


RULE = check
