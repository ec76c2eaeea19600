"""Markdown from jinja2 templates, and the escaping that keeps untrusted text inert.

Everything a migration supplies (SQL, names, messages, paths, reasons) is untrusted: in the PR
comment it must not break the Markdown around it, inject HTML, ping people, or fake the hidden
marker the comment is found by. The comment's environment therefore escapes every `{{ value }}`
by default; only `Trusted` values (built here, by `code`, `fence` or a link helper) are written
as they are.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

# Backslash-escape the ASCII punctuation that can start Markdown syntax anywhere in a line
# (emphasis, links, code, headings, lists, tables, setext underlines, strike-through, math).
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=$])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_BACKTICK_RUNS = re.compile(r"`+")
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_ZERO_WIDTH_SPACE = "\u200b"


class Trusted(str):
    """Markdown built by dbreview itself: written into a template as it is."""


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline(text: str) -> Trusted:
    """Untrusted text as one line of literal Markdown text."""
    text = _html_escape(_LINE_BREAKS.sub(" ", text))
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    # An @name in a comment notifies that user; a zero-width space keeps it plain text.
    return Trusted(text.replace("@", "@&#8203;"))


def _inert(text: str) -> str:
    """Code is shown verbatim, so break `<!--` to keep the comment's hidden marker unique."""
    return text.replace("<!--", f"<!-{_ZERO_WIDTH_SPACE}-")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)


def code(text: str) -> Trusted:
    """Untrusted text as an inline code span, delimited by more backticks than it contains."""
    text = _inert(_LINE_BREAKS.sub(" ", text))
    ticks = "`" * (_longest_backtick_run(text) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return Trusted(f"{ticks}{padding}{text}{padding}{ticks}")


def html_text(text: str) -> Trusted:
    """Untrusted text inside an HTML block (a `<summary>`), where Markdown escapes would show
    as backslashes: HTML-escaped, on one line, mentions broken."""
    flat = _LINE_BREAKS.sub(" ", text)
    return Trusted(_html_escape(flat).replace('"', "&quot;").replace("@", "@&#8203;"))


def cell_code(text: str) -> Trusted:
    """Untrusted text as a code span inside a table cell, where even a code span's `|` would
    end the cell (GFM reads `\\|` there as a literal bar)."""
    return Trusted(code(text).replace("|", "\\|"))


def fence(text: str, info: str = "") -> Trusted:
    """Text as a fenced code block whose fence is longer than any backtick run inside it."""
    text = _inert(text).rstrip("\n")
    ticks = "`" * max(3, _longest_backtick_run(text) + 1)
    return Trusted(f"{ticks}{info}\n{text}\n{ticks}")


def prose(text: str) -> str:
    """dbreview's own text, whose code spans are Markdown: `<`, `>` and `&` outside them show
    as themselves (a rule's "ON <table>" would otherwise be read as an HTML tag)."""
    parts, done = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_html_escape(text[done:span.start()]), span.group()]
        done = span.end()
    return "".join(parts) + _html_escape(text[done:])


def table_cell(text: str) -> str:
    """dbreview's own text in a table cell: a `|` would end the cell."""
    return prose(_LINE_BREAKS.sub(" ", text)).replace("|", "\\|")


def _escape_untrusted(value: object) -> str:
    return value if isinstance(value, Trusted) else inline(str(value))


def _environment(*, escape: bool) -> Environment:
    environment = Environment(
        loader=PackageLoader("dbreview.render", "templates"),
        autoescape=False,  # HTML escaping is not Markdown escaping: `_escape_untrusted` is
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_escape_untrusted if escape else None,
    )
    environment.filters.update(code=code, cell_code=cell_code, fence=fence, html=html_text,
                               prose=prose, table_cell=table_cell)
    return environment


@cache
def untrusted_template(name: str) -> Template:
    """A template whose every output is escaped unless it is `Trusted`: for reviews."""
    return _environment(escape=True).get_template(name)


@cache
def trusted_template(name: str) -> Template:
    """A template that writes its values as they are: for dbreview's own text (rule docs)."""
    return _environment(escape=False).get_template(name)
