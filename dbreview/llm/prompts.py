"""The prompt files of `prompts/` (jinja2), found in a checkout or in an installed wheel.

Each file starts with `{# version: N #}` and defines two blocks, `system` and `user`. The
version goes into every output the prompt produced, so a reader can tell which wording wrote it.
Untrusted text reaches a prompt only through the `data` filter: a JSON document, whose quoting
keeps a pull request's words inside their string however they try to end it.
"""

from __future__ import annotations

import json
import re
import sysconfig
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

_VERSION = re.compile(r"\A\{#\s*version:\s*(?P<version>[\w.-]+)\s*#\}")
_INSTALLED = Path("share", "dbreview", "prompts")  # [tool.setuptools.data-files] in pyproject


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system},
                {"role": "user", "content": self.user}]

    @property
    def size(self) -> int:
        return len(self.system) + len(self.user)


def prompts_directory() -> Path:
    """`prompts/` beside the package in a checkout (or an editable install), else the data
    directory a wheel installed it into."""
    checkout = Path(__file__).resolve().parents[2] / "prompts"
    user_scheme = sysconfig.get_preferred_scheme("user")
    for candidate in (checkout, Path(sysconfig.get_path("data")) / _INSTALLED,
                      Path(sysconfig.get_path("data", user_scheme)) / _INSTALLED):
        if (candidate / "enrich.md.j2").is_file():
            return candidate
    raise FileNotFoundError("the prompt files are missing: reinstall dbreview")


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(prompts_directory()), undefined=StrictUndefined,
        autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
    )
    environment.filters["data"] = _data
    return environment


def _data(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def prompt_names() -> list[str]:
    return sorted(path.name.removesuffix(".md.j2")
                  for path in prompts_directory().glob("*.md.j2"))


@cache
def version(name: str) -> str:
    template = _template(name)
    source = Path(template.filename or "").read_text(encoding="utf-8")
    match = _VERSION.match(source)
    if match is None:
        raise ValueError(f"prompts/{name}.md.j2 must start with {{# version: N #}}")
    return match.group("version")


def _template(name: str) -> Template:
    return _environment().get_template(f"{name}.md.j2")


def render(name: str, **values: Any) -> Prompt:
    template = _template(name)
    context = template.new_context(values)
    system, user = ("".join(template.blocks[block](context)).strip()
                    for block in ("system", "user"))
    return Prompt(name=name, version=version(name), system=system, user=user)
