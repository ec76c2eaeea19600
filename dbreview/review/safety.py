"""The safety checklist (C.5): secret handling, multi-tenant isolation and data-loss prevention,
each with a status and the findings that decide it.

Which rule speaks to which item is listed here by rule id; `NOT_SAFETY` names the rules of the
safety categories that judge performance or style instead, so a test can insist that every rule
of those categories is placed one way or the other.
"""

from __future__ import annotations

from dbreview.review.model import FileReport, FindingRef, SafetyItem, TableChange, by_position

SAFETY_RULES: dict[str, tuple[str, ...]] = {
    "secrets": ("hardcoded-secret", "backup-in-repo", "dangerous-statement"),
    "isolation": (
        "tenant-column-missing", "tenant-column-type", "tenants-table-missing",
        "unique-without-tenant", "rls-not-enabled", "rls-disabled", "rls-policy-missing",
        "rls-policy-not-tenant-scoped", "rls-user-metadata", "broad-grant", "privileged-role",
        "view-bypasses-rls", "security-definer-search-path",
    ),
    "data-loss": ("drop-table", "drop-column", "drop-schema", "cascade", "truncate",
                  "narrowing-type-change", "delete-without-where"),
}
SAFETY_CATEGORIES = ("security", "isolation", "tenancy", "data-loss")
NOT_SAFETY = frozenset({"tenant-index-missing", "tenant-composite-index", "rls-auth-per-row"})
_TITLES = {
    "secrets": "Secret handling",
    "isolation": "Multi-tenant isolation",
    "data-loss": "Data-loss prevention",
}
_STATUS_BY_SEVERITY = {"error": "fail", "warning": "warn", "notice": "warn"}


def _checked(item: str, files: list[FileReport], tables: list[TableChange]) -> str:
    """What the item looked at, said the same whether it passes or fails."""
    if item == "secrets":
        statements = sum(report.statements for report in files)
        return (f"{statements} statement{'s' if statements != 1 else ''} and their comments "
                "checked for credentials, dumps and server file access")
    if item == "isolation":
        tenant = [table for table in tables if table.tenant_table and table.change != "dropped"]
        if not tenant:
            return "grants, roles, views and security definer functions checked; no tenant " \
                "table changed"
        described = "; ".join(
            f"{table.name}: {'RLS on' if table.rls_enabled else 'RLS off'}, "
            f"{len(table.policies)} polic{'y' if len(table.policies) == 1 else 'ies'}"
            for table in tenant[:5])
        more = f"; {len(tenant) - 5} more" if len(tenant) > 5 else ""
        return f"tenant column, RLS, policies, grants and views checked ({described}{more})"
    return "drops, truncates, narrowing type changes and deletes without WHERE checked"


def safety_checklist(files: list[FileReport], tables: list[TableChange]) -> list[SafetyItem]:
    items = []
    for item, rules in SAFETY_RULES.items():
        refs = [FindingRef(rule=finding.rule, severity=finding.severity, path=finding.path,
                           line=finding.line)
                for report in files for finding in by_position(report.findings)
                if finding.rule in rules]
        suppressed = sum(1 for report in files for entry in report.suppressed
                         if entry.rule in rules)
        statuses = {_STATUS_BY_SEVERITY[ref.severity] for ref in refs}
        status = "fail" if "fail" in statuses else "warn" if statuses else "pass"
        items.append(SafetyItem(id=item, title=_TITLES[item], status=status,  # type: ignore[arg-type]
                                checked=_checked(item, files, tables), findings=refs,
                                suppressed=suppressed))
    return items
