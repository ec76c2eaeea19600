"""The `dbreview` command line: argument parsing and exit codes only.

Exit codes: 0 nothing at or above fail_on, 1 findings at or above fail_on, 2 usage,
configuration or input error (one line on stderr naming the problem and the fix).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from dbreview import __version__
from dbreview.errors import DbreviewError

# Each module in dbreview/commands/ that is listed here adds one subcommand: it defines
# `register(commands)`, which adds its parser and sets `run` (options -> exit code) as default.
COMMANDS = ("check", "rules", "serve", "ask", "explain", "docs")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would exit 2 with the whole usage; one line naming the fix is kinder in CI.
        self.exit(2, f"dbreview: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dbreview",
        description="Review PostgreSQL and Supabase migrations before they reach production: "
        "locks, backfills, data loss, tenancy, row level security and conventions.",
        epilog="`dbreview COMMAND --help` explains one command; without a command, "
        "`dbreview [PATH ...]` means `dbreview check [PATH ...]`.",
    )
    parser.add_argument("--version", action="version", version=f"dbreview {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"dbreview.commands.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] not in (*COMMANDS, "-h", "--help", "--version"):
        arguments.insert(0, "check")
    try:
        options = parser.parse_args(arguments)
    except SystemExit as exit:  # --help, --version, bad arguments: return, do not exit
        return exit.code if isinstance(exit.code, int) else 2
    try:
        code: int = options.run(options)
        return code
    except DbreviewError as error:
        print(f"dbreview: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dbreview: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The console script: exit without tearing down the review's objects one by one (on a
    20,000-statement review that teardown alone takes half a second)."""
    # A review allocates millions of small objects that live until the end and form no
    # cycles; collecting the youngest generation every 700 allocations only re-walks them.
    gc.set_threshold(50_000, 20, 20)
    from dbreview.sql.parse import freeze_large_trees  # here: --help needs no parser

    freeze_large_trees()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
