"""`dbreview rules [RULE_ID]`: the catalog, or one rule explained."""

from __future__ import annotations

import difflib
import textwrap
from typing import Any

from dbreview.errors import UsageError
from dbreview.rules import registry


def register(commands: Any) -> None:
    rules = commands.add_parser("rules", help="list the rule catalog, or explain one rule",
                                description="Without RULE_ID, list every rule; with one, print "
                                "its rationale, remediation and examples.")
    rules.add_argument("rule_id", nargs="?", metavar="RULE_ID")
    rules.set_defaults(run=lambda options: run_rules(options.rule_id))


def run_rules(rule_id: str | None) -> int:
    catalog = registry()
    if rule_id is None:
        width = max(len(rule.id) for rule in catalog.rules)
        category = ""
        for listed in catalog.rules:
            if listed.category != category:
                category = listed.category
                print(f"\n{category}")
            print(f"  {listed.id.ljust(width)}  {listed.severity.value.ljust(7)}  {listed.summary}")
        print("\n`dbreview rules RULE_ID` explains one rule.")
        return 0
    rule = catalog.by_id.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, sorted(catalog.ids()), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "`dbreview rules` lists them"
        raise UsageError(f"unknown rule '{rule_id}' ({hint})")
    print(f"{rule.id} ({rule.category}, default {rule.severity.value})\n")
    print(f"{rule.summary}\n")
    print(f"Why: {rule.rationale}\n")
    print(f"Fix: {rule.remediation}\n")
    print(f"Fires on:\n{textwrap.indent(rule.bad, '    ')}\n")
    print(f"Instead:\n{textwrap.indent(rule.good, '    ')}")
    if rule.config_keys:
        print(f"\nConfiguration: {', '.join(rule.config_keys)}")
    return 0
