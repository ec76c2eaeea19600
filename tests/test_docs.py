"""Every rule is documented from its own fields, and docs/rules/ matches the generator."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from dbreview.docs import INDEX, config_default, drift, main, pages
from dbreview.rules import Rule, registry

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"
# The categories of the rule catalog contract, in its order.
CATEGORIES = ("locking", "backfill", "data-loss", "compatibility", "tenancy", "isolation",
              "audit", "hygiene", "schema-design", "security", "shadow")
KEBAB_CASE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
RULES = registry().rules


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_is_fully_described(rule: Rule) -> None:
    assert KEBAB_CASE.fullmatch(rule.id), "rule ids are kebab-case"
    assert rule.category in CATEGORIES
    empty = [name for name in ("summary", "rationale", "remediation", "bad", "good")
             if not getattr(rule, name).strip()]
    assert empty == []
    assert rule.bad != rule.good
    unknown = [key for key in rule.config_keys if config_default(key) is None]
    assert unknown == [], "config_keys must name settings of .github/dbreview.yml"


def test_docs_on_disk_match_the_catalog() -> None:
    stale = drift(DOCS, pages(RULES))
    assert stale == [], f"run `python -m dbreview.docs` to update {stale}"


def test_index_links_every_rule_under_its_category() -> None:
    index = pages(RULES)[INDEX]
    for rule in RULES:
        section = index[index.index(f"\n## {rule.category}\n"):]
        assert f"| [{rule.id}]({rule.id}.md) | {rule.severity.value} |" in section.split(
            "\n## ", 2)[1]


def test_rule_page_holds_every_field() -> None:
    rule = registry().by_id["index-not-concurrent"]
    page = pages([rule])["index-not-concurrent.md"]
    for text in (rule.summary, rule.rationale, rule.remediation, f"```sql\n{rule.bad}\n```",
                 f"```sql\n{rule.good}\n```", "| [locking](README.md#locking) | error |",
                 "`rules.index-not-concurrent`", "-- dbreview:ignore index-not-concurrent --",
                 "-- dbreview:ignore-file index-not-concurrent --"):
        assert text in page


def test_check_mode_reports_drift_then_write_mode_fixes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "removed-rule.md").write_text("# removed-rule\n")
    assert main(["--output", str(tmp_path), "--check"]) == 1
    assert "removed-rule.md: out of date" in capsys.readouterr().err
    assert main(["--output", str(tmp_path)]) == 0
    assert not (tmp_path / "removed-rule.md").exists()
    assert main(["--output", str(tmp_path), "--check"]) == 0
    (tmp_path / INDEX).write_text("edited by hand\n")
    assert main(["--output", str(tmp_path), "--check"]) == 1


def test_angle_brackets_in_rule_text_are_shown_not_read_as_html() -> None:
    rule = replace(registry().by_id["index-not-concurrent"],
                   remediation="Add docs/<table>.md, named like `<version>_name.sql`",
                   summary="a | b")
    generated = pages([rule])
    assert "Add docs/&lt;table&gt;.md, named like `<version>_name.sql`" in generated[
        "index-not-concurrent.md"]
    assert r"| a \| b |" in generated[INDEX]
