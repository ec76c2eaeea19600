"""The rule catalog. Each rule is a module `dbreview/rules/<category>/<rule_id>.py` that defines
`RULE`; the registry finds them, so adding a rule never touches the engine."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from dbreview.rules.base import Rule, Scope, Severity

__all__ = ["Registry", "Rule", "Scope", "Severity", "registry"]

CATEGORY_ORDER = ("locking", "backfill", "data-loss", "compatibility", "tenancy", "isolation",
                  "audit", "hygiene", "schema-design", "security", "shadow")


class Registry:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = sorted(rules, key=lambda r: (CATEGORY_ORDER.index(r.category)
                                                  if r.category in CATEGORY_ORDER else 99, r.id))
        self.by_id = {rule.id: rule for rule in self.rules}
        self.by_kind: dict[str, list[Rule]] = {}
        self.every_statement: list[Rule] = []
        for rule in self.rules:
            if rule.scope is not Scope.STATEMENT:
                continue
            if not rule.kinds:
                self.every_statement.append(rule)
            for kind in rule.kinds:
                self.by_kind.setdefault(kind, []).append(rule)

    def ids(self) -> set[str]:
        return set(self.by_id)

    def for_statement(self, kind: str) -> list[Rule]:
        return self.by_kind.get(kind, []) + self.every_statement

    def of_scope(self, scope: Scope) -> list[Rule]:
        return [rule for rule in self.rules if rule.scope is scope]


@cache
def registry() -> Registry:
    rules: list[Rule] = []
    package = importlib.import_module(__name__)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{__name__}."):
        if info.ispkg or info.name.endswith(".base"):
            continue
        module = importlib.import_module(info.name)
        found = getattr(module, "RULE", None)
        if isinstance(found, Rule):
            rules.append(found)
    duplicates = {rule.id for rule in rules if [r.id for r in rules].count(rule.id) > 1}
    if duplicates:
        raise RuntimeError(f"rule ids defined twice: {sorted(duplicates)}")
    return Registry(rules)
