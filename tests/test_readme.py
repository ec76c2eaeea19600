"""The README is what users copy from: its configuration example must be a valid config."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dbreview.config import parse_config

README = Path(__file__).resolve().parent.parent / "README.md"


def _yaml_block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match, f"no yaml block after {heading}"
    return match.group(1)


def test_the_configuration_example_is_a_valid_config() -> None:
    config = parse_config(yaml.safe_load(_yaml_block_after("## Configuration")), "README.md")
    assert config.rules["prefer-text"] == "off"
    assert "countries" in config.tenancy.global_tables
