"""`/dbreview …` commands in pull request comments: parsing, who may run them, the help text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Name(Enum):
    REVIEW = "review"
    EXPLAIN = "explain"
    ASK = "ask"
    DOCS = "docs"
    IGNORE = "ignore"
    HELP = "help"


# Commands that change the verdict or the branch need write access (review.md).
NEEDS_WRITE = frozenset({Name.DOCS, Name.IGNORE})
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})

# The command is the first line that starts with /dbreview; the rest of the comment is prose.
_COMMAND_LINE = re.compile(r"^[ \t]*/dbreview(?:[ \t]+(?P<rest>[^\r\n]*))?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Command:
    name: Name
    argument: str = ""  # the table, the question, or "<rule-id> [reason]"
    unknown: str | None = None  # a word that is not a command: answered with the help

    @property
    def needs_write(self) -> bool:
        return self.name in NEEDS_WRITE

    def ignore_parts(self) -> tuple[str, str]:
        rule, _, reason = self.argument.partition(" ")
        return rule, reason.strip()


def parse_command(body: str) -> Command | None:
    """The command in a comment, or None when the comment holds none."""
    match = _COMMAND_LINE.search(body)
    if match is None:
        return None
    rest = (match.group("rest") or "").strip()
    word, _, argument = rest.partition(" ")
    if not word:
        return Command(Name.REVIEW)
    try:
        name = Name(word.lower())
    except ValueError:
        return Command(Name.HELP, unknown=word)
    return Command(name, argument.strip())


HELP = """\
**dbreview commands** (in a comment on this pull request):

| command | does |
|---|---|
| `/dbreview` or `/dbreview review` | review the pull request again now |
| `/dbreview explain [table]` | explain the tables this pull request touches (or one) |
| `/dbreview ask <question>` | answer a question about the schema |
| `/dbreview docs` | commit the missing docs stubs to this branch (write access; no forks) |
| `/dbreview ignore <rule-id> [reason]` | accept that rule's findings here (write access) |
| `/dbreview help` | this list |
"""
