"""Text that is not SQL but sits in real migration files, made harmless before parsing.

- Go templates (`{{ index .Options "Namespace" }}`, GoTrue/pop) become an identifier named after
  the template's last word, so the statement still parses; lines stay where they were.
- psql meta-commands (`\\set`, `\\connect`, `\\i`) are blanked: they are not SQL and the
  server never sees them.
"""

from __future__ import annotations

import re

_TEMPLATE = re.compile(r"\{\{-?\s*(?P<body>[^{}\n]*?)\s*-?\}\}")
_META_COMMAND = re.compile(r"^[ \t]*\\[a-zA-Z!?][^\n]*$", re.MULTILINE)


def _template_identifier(match: re.Match[str]) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", match.group("body"))
    return words[-1].lower() if words else "template"


def preprocess(text: str) -> str:
    if "{{" in text:
        text = _TEMPLATE.sub(_template_identifier, text)
    if "\\" in text:
        text = _META_COMMAND.sub(lambda match: " " * len(match.group()), text)
    return text
