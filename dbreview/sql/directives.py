"""`-- dbreview:` comments: suppressions and per-file switches.

    -- dbreview:ignore rule-a, rule-b -- reason       the next statement (or the one on this line)
    -- dbreview:ignore-file rule-a -- reason          the whole file
    -- dbreview:no-transaction                        the file runs outside a transaction
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from dbreview.sql.parse import Statement

_DIRECTIVE = re.compile(
    r"--\s*dbreview:(?P<verb>ignore-file|ignore|no-transaction)\b(?P<rest>[^\n]*)"
)


@dataclass(frozen=True, slots=True)
class Ignore:
    rules: tuple[str, ...]
    reason: str
    line: int


@dataclass(slots=True)
class FileDirectives:
    ignores: list[Ignore] = field(default_factory=list)  # statement-level, in file order
    ignore_file: dict[str, str] = field(default_factory=dict)  # rule id -> reason
    file_ignores: list[Ignore] = field(default_factory=list)
    no_transaction: bool = False

    def every_ignore(self) -> list[Ignore]:
        return self.ignores + self.file_ignores


def _parse_ignore(rest: str, line: int) -> Ignore:
    rules_part, _, reason = rest.partition("--")
    rules = tuple(rule for rule in re.split(r"[\s,]+", rules_part.strip()) if rule)
    return Ignore(rules=rules, reason=reason.strip(), line=line)


def apply_directives(text: str, statements: list[Statement]) -> FileDirectives:
    """Attach `ignore` comments to their statements; return the file-wide directives.

    An ignore applies to the statement whose first line holds it, else to the next statement
    after it.
    """
    directives = FileDirectives()
    if "dbreview:" not in text:
        return directives
    by_first_line = {statement.span.line: statement for statement in statements}
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    for match in _DIRECTIVE.finditer(text):
        line = bisect_right(line_starts, match.start())
        verb = match.group("verb")
        if verb == "no-transaction":
            directives.no_transaction = True
            continue
        ignore = _parse_ignore(match.group("rest"), line)
        if verb == "ignore-file":
            directives.file_ignores.append(ignore)
            directives.ignore_file.update(dict.fromkeys(ignore.rules, ignore.reason))
            continue
        directives.ignores.append(ignore)
        target = by_first_line.get(line) or next(
            (statement for statement in statements if statement.span.line > line), None
        )
        if target is not None:
            target.ignores.update(dict.fromkeys(ignore.rules, ignore.reason))
    return directives
