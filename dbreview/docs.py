"""Rule documentation generated from the catalog: docs/rules/<id>.md and docs/rules/README.md.

    python -m dbreview.docs            rewrite the pages (in ./docs/rules, or --output DIR)
    python -m dbreview.docs --check    exit 1 when the pages on disk differ from the catalog
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path

from dbreview.config import CONFIG_FILES, Config
from dbreview.render.templating import trusted_template
from dbreview.rules import Rule, Scope, registry

INDEX = "README.md"
SCOPES = {Scope.STATEMENT: "each statement", Scope.FILE: "each migration file",
          Scope.CHANGESET: "the whole changeset"}


def config_default(key: str) -> str | None:
    """The default of a dotted config key as YAML would show it; None if there is no such key."""
    value: object = Config()
    for part in key.split("."):
        if not hasattr(value, part):
            return None
        value = getattr(value, part)
    return value if isinstance(value, str) else json.dumps(value)


def _source(rule: Rule) -> str:
    return rule.check.__module__.replace(".", "/") + ".py"


def rule_page(rule: Rule) -> str:
    return trusted_template("rule_doc.md.j2").render(
        rule=rule, scope=SCOPES[rule.scope], source=_source(rule), config_file=CONFIG_FILES[0],
        settings=[(key, config_default(key)) for key in rule.config_keys],
    )


def index_page(rules: Sequence[Rule]) -> str:
    categories = [(category, list(members))
                  for category, members in groupby(rules, key=lambda rule: rule.category)]
    return trusted_template("rules_index.md.j2").render(rules=rules, categories=categories)


def pages(rules: Sequence[Rule]) -> dict[str, str]:
    """File name → content for the docs directory (rules in catalog order: by category)."""
    generated = {f"{rule.id}.md": rule_page(rule) for rule in rules}
    generated[INDEX] = index_page(rules)
    return generated


def drift(directory: Path, expected: dict[str, str]) -> list[str]:
    """Names of the pages that are missing, different, or left over from a removed rule."""
    on_disk = {path.name for path in directory.glob("*.md")}
    changed = [name for name, content in expected.items()
               if name not in on_disk or (directory / name).read_text("utf-8") != content]
    return sorted(changed + [name for name in on_disk if name not in expected])


def write(directory: Path, expected: dict[str, str], names: Iterable[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = directory / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8")
        else:
            path.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dbreview.docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=Path("docs/rules"),
                        help="the rule docs directory (default: docs/rules)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when the pages are out of date")
    options = parser.parse_args(argv)
    expected = pages(registry().rules)
    stale = drift(options.output, expected)
    if options.check:
        for name in stale:
            print(f"{options.output / name}: out of date; run `python -m dbreview.docs`",
                  file=sys.stderr)
        return 1 if stale else 0
    write(options.output, expected, stale)
    print(f"{options.output}: {len(stale)} of {len(expected)} pages rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
