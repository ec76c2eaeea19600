from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.schema.model import Origin
from dbreview.sql.source import LineIndex, Span


@rule(
    id="parse-error",
    category="hygiene",
    severity="error",
    summary="A statement PostgreSQL's parser rejects",
    rationale="PostgreSQL will refuse the migration at this statement; nothing after it runs "
    "and the deploy stops half way. The rest of the file is still reviewed.",
    remediation="Fix the syntax at the reported position; run the file against a scratch "
    "database (`dbreview check --shadow`) to confirm",
    bad="CREAT TABLE invoices (id bigint);",
    good="CREATE TABLE invoices (id bigint);",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    if file.text.undecodable_at is not None:
        line, column = LineIndex(file.text.up).position(file.text.undecodable_at)
        yield Hit(
            message=f"the file is not valid UTF-8 (first bad byte at line {line}); "
            "the bad bytes were replaced to review the rest",
            remediation="Re-save the file as UTF-8",
            at=Origin(file.path, Span(line, column, line, column)),
        )
    for statement in file.statements:
        if statement.error is not None:
            span = statement.error_span or statement.span
            yield Hit(message=f"PostgreSQL cannot parse this statement: {statement.error}",
                      at=Origin(file.path, span))


RULE = check
