"""What may go to the provider, and what may come back.

Out: only text a review already holds (the changed SQL, a slice of the schema, the pull
request's title and body), every piece with its secrets masked and cut to a size.
Back: the model's text loses what it could not have learned from the input and what could act
on a reader: links that were not in the input, slash commands, control characters, secrets;
then it is escaped for Markdown, paragraph by paragraph.
"""

from __future__ import annotations

import re
from typing import Any

from dbreview.render.templating import inline
from dbreview.secrets import mask_secrets

TRUNCATED = " … (truncated)"
# A rough count that errs high: SQL and JSON take about 3 characters per token, prose about 4.
CHARACTERS_PER_TOKEN = 3

_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>()\[\]{}`'\"]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?"
# `/dbreview ignore …` in a reply would read as a command to the bot (and to people).
_COMMAND = re.compile(r"(?<![\w/])/(?=dbreview\b)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def outgoing(text: str, limit: int) -> str:
    """Untrusted text for a prompt: secrets masked, at most `limit` characters."""
    masked = mask_secrets(text)
    if len(masked) <= limit:
        return masked
    return masked[: max(0, limit - len(TRUNCATED))] + TRUNCATED


def outgoing_data(value: Any) -> Any:
    """A JSON-like value with the secrets of every string in it masked."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {key: outgoing_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [outgoing_data(item) for item in value]
    return value


def estimate_tokens(characters: int) -> int:
    return characters // CHARACTERS_PER_TOKEN + 1


class OutputFilter:
    """Cleans the model's text against the input it was given."""

    def __init__(self, source: str) -> None:
        self.allowed_links = {_bare(match.group()) for match in _URL.finditer(source)}

    def clean(self, text: str, limit: int) -> str:
        text = _CONTROL.sub("", text)
        text = _URL.sub(self._link, text)
        text = _COMMAND.sub("", text)
        text = mask_secrets(text).strip()
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def _link(self, match: re.Match[str]) -> str:
        url = match.group()
        bare = _bare(url)
        if bare in self.allowed_links:
            return url
        return "(link removed)" + url[len(bare):]


def _bare(url: str) -> str:
    return url.rstrip(_URL_TRAILER)


def markdown_paragraphs(text: str) -> list[str]:
    """Cleaned model text as escaped Markdown paragraphs, each followed by a blank line."""
    return [line for paragraph in text.split("\n\n") if paragraph.strip()
            for line in (inline(paragraph.strip()), "")]
