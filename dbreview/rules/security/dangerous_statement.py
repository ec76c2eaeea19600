from __future__ import annotations

import re
from collections.abc import Iterator

from dbreview.rules.base import Hit, StatementContext, rule
from dbreview.sql.nodes import Node, def_elems, function_name, option_value, walk

UNTRUSTED_LANGUAGES = frozenset({"plpython3u", "plpythonu", "plpython2u", "plperlu", "pltclu"})
FILE_ACCESS_FUNCTIONS = frozenset({"lo_import", "lo_export", "pg_read_file",
                                   "pg_read_binary_file", "pg_ls_dir", "pg_stat_file"})
_FILE_ACCESS_CALL = re.compile(r"\b(" + "|".join(sorted(FILE_ACCESS_FUNCTIONS)) + r")\s*\(",
                               re.IGNORECASE)
_COPY_PROGRAM = re.compile(r"\bCOPY\b[^;]*?\bPROGRAM\b", re.IGNORECASE)
_ALTER_SYSTEM = re.compile(r"\bALTER\s+SYSTEM\b", re.IGNORECASE)
# Comments and RAISE messages talk about code; they do not run it.
_NOT_CODE = re.compile(r"--[^\n]*|\bRAISE\b[^;]*;", re.IGNORECASE)
_COPY_PROGRAM_WHY = "COPY … PROGRAM runs a shell command on the database server"
_ALTER_SYSTEM_WHY = "ALTER SYSTEM rewrites the server's configuration (postgresql.auto.conf)"


@rule(
    id="dangerous-statement",
    category="security",
    severity="error",
    summary="Server-side shell, file or configuration access from a migration",
    rationale="COPY … PROGRAM, untrusted languages and pg_read_file-style functions run "
    "commands or read files on the database server as its operating-system user; ALTER SYSTEM "
    "changes the server's configuration for every database. None of it belongs in a schema "
    "migration, and managed platforms (Supabase) refuse most of it.",
    remediation="Do the work outside the database (an application job or an operator "
    "runbook); use a trusted language (plpgsql, sql, plv8) for functions; change server "
    "settings in the platform's configuration, not in a migration",
    bad="COPY audit_export FROM PROGRAM 'curl https://example.com/data.csv';",
    good="-- load data with \\copy from the client, or an application job",
)
def check(context: StatementContext) -> Iterator[Hit]:
    statement = context.statement
    reasons = dict.fromkeys(_reasons(statement.kind, context.node))
    lowered = statement.text.lower()
    if any(name in lowered for name in FILE_ACCESS_FUNCTIONS):  # skip the walk when none can be
        reasons.update(dict.fromkeys(_file_access_calls(context.node)))
    for reason in reasons:
        yield Hit(message=reason)


def _reasons(kind: str, node: Node) -> Iterator[str]:
    if kind == "CopyStmt" and node.get("is_program"):
        yield _COPY_PROGRAM_WHY
    elif kind == "CopyStmt" and node.get("filename"):
        direction = "FROM" if node.get("is_from") else "TO"
        yield (f"COPY {direction} a server file reaches into the database server's file system "
               "(psql's \\copy reads the client's)")
    elif kind == "AlterSystemStmt":
        yield _ALTER_SYSTEM_WHY
    elif kind in ("CreateExtensionStmt", "CreatePLangStmt"):
        language = str(node.get("extname") or node.get("plname") or "").lower()
        if language in UNTRUSTED_LANGUAGES:
            yield (f"{language} is an untrusted language: its functions run arbitrary code on "
                   "the server with the server's operating-system rights")
    elif kind in ("CreateFunctionStmt", "DoStmt"):
        options = def_elems(node.get("options") or node.get("args"))
        language = option_value(options["language"]) if "language" in options else ""
        if language in UNTRUSTED_LANGUAGES:
            what = "function" if kind == "CreateFunctionStmt" else "DO block"
            yield (f"the {what} is written in the untrusted language {language}: it can run "
                   "shell commands and read files on the server")
        yield from _body_reasons(_body(options.get("as")))


def _file_access_calls(node: Node) -> Iterator[str]:
    for kind, fields in walk(node):
        if kind == "FuncCall":
            yield from _file_access(function_name(fields).rsplit(".", 1)[-1])


def _body(arg: Node | None) -> str:
    if not arg:
        return ""
    items = arg["List"]["items"] if "List" in arg else [arg]
    return "\n".join(item["String"]["sval"] for item in items if "String" in item)


def _body_reasons(body: str) -> Iterator[str]:
    """Function and DO bodies are strings to the parser: read them as text."""
    code = _NOT_CODE.sub("", body)
    if _COPY_PROGRAM.search(code):
        yield _COPY_PROGRAM_WHY
    if _ALTER_SYSTEM.search(code):
        yield _ALTER_SYSTEM_WHY
    for match in _FILE_ACCESS_CALL.finditer(code):
        yield from _file_access(match.group(1).lower())


def _file_access(name: str) -> Iterator[str]:
    if name in FILE_ACCESS_FUNCTIONS:
        yield f"{name}() reaches into the database server's file system"


RULE = check
