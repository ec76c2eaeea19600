from __future__ import annotations

from collections.abc import Iterator

from dbreview.rules.base import FileContext, Hit, Scope, rule
from dbreview.rules.security.roles import role_options
from dbreview.schema.model import Origin
from dbreview.secrets import Secret, find_secrets, is_password, mask
from dbreview.sql.parse import Statement
from dbreview.sql.source import Span


@rule(
    id="hardcoded-secret",
    category="security",
    severity="error",
    summary="A password or credential written into a migration",
    rationale="Migrations live in the repository forever: everyone with read access, every "
    "fork and every CI log gets the secret, and rotating it does not remove it from history.",
    remediation="Remove the secret and rotate it; set passwords outside migrations (the "
    "dashboard, `ALTER ROLE … PASSWORD` from a secure shell, or a vault/secrets manager) and "
    "read keys at run time (Supabase Vault, environment variables)",
    bad="CREATE ROLE reporting LOGIN PASSWORD 'hunter2';",
    good="CREATE ROLE reporting LOGIN;  -- password set from the secrets manager",
    scope=Scope.FILE,
)
def check(file: FileContext) -> Iterator[Hit]:
    passwords: set[str] = set()
    for statement in file.statements:
        options = role_options(statement.kind, statement.node)
        password = options.password if options else None
        if options and password and is_password(password):
            passwords.add(password)
            yield Hit(message=f"role {options.role} gets a literal password "
                      f"({mask(password)}) in the migration", at=file.origin(statement))
    for secret in find_secrets(file.text.up):
        if not any(secret.value in password for password in passwords):
            line, _ = _position(file.text.up, secret.start)
            yield Hit(message=_described(secret, f"at line {line}"),
                      at=_origin(file, secret, line))
    if file.text.down:
        yield from _down_secrets(file, file.text.down)


def _described(secret: Secret, where: str) -> str:
    return f"{secret.kind} ({secret.masked}) {where} is committed in the migration"


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _origin(file: FileContext, secret: Secret, line: int) -> Origin:
    """The statement holding the secret (or the one its comment precedes), so an ignore
    comment on that statement applies; a comment after the last statement is its own spot."""
    statement = _statement_through(file.statements, line)
    if statement is not None:
        return file.origin(statement)
    _, column = _position(file.text.up, secret.start)
    return Origin(file.path, Span(line, column, line, column + len(secret.value) - 1))


def _statement_through(statements: list[Statement], line: int) -> Statement | None:
    return next((s for s in statements if s.span.end_line >= line), None)


def _down_secrets(file: FileContext, down: str) -> Iterator[Hit]:
    """A separate down file cannot be pointed at: report on the up file's first line."""
    down_path = file.migration.down_path
    for secret in find_secrets(down):
        line, column = _position(down, secret.start)
        if down_path is None:  # a down section of this same file keeps the file's lines
            yield Hit(message=_described(secret, f"at line {line} (down section)"),
                      at=Origin(file.path, Span(line, column, line, column)))
        else:
            yield Hit(message=_described(secret, f"in {down_path.name} at line {line}"),
                      at=Origin(file.path, Span(1, 1, 1, 1)))


RULE = check
