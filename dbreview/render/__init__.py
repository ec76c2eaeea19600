"""Renderers turn a review into text; they know nothing of rules (SARIF lists the catalog)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from dbreview.review.model import Review

Renderer = Callable[[Review], str]

# format name → module under dbreview.render defining `render(review)`; imported on demand so
# `--format text` never loads jinja2.
_MODULES = {"text": "text", "json": "json_output", "sarif": "sarif", "github": "github",
            "markdown": "markdown"}


def renderer(name: str) -> Renderer:
    render: Renderer = importlib.import_module(f"dbreview.render.{_MODULES[name]}").render
    return render
