"""The `dbreview` command line: argument parsing and exit codes only.

Exit codes: 0 nothing at or above fail_on, 1 findings at or above fail_on, 2 usage,
configuration or input error (one line on stderr naming the problem and the fix).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from dbreview import __version__
from dbreview.errors import DbreviewError, UsageError

FORMATS = ("text", "json", "markdown", "sarif", "github")

CHECK_EPILOG = """\
examples:
  dbreview check                                  review the configured migration folders
  dbreview check supabase/migrations/20250101120000_invoices.sql
  dbreview check --since origin/main              one changeset: what this branch changed
  dbreview check --format sarif --output dbreview.sarif
  cat new.sql | dbreview check -                  one migration from standard input

exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 bad input
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse would exit 2 with the whole usage; one line naming the fix is kinder in CI.
        self.exit(2, f"dbreview: {message}; see `{self.prog} --help`\n")


def _pg_version(value: str) -> int:
    if not value.isdigit() or not 10 <= int(value) <= 19:
        raise argparse.ArgumentTypeError(f"'{value}' is not a PostgreSQL major version (10-19)")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dbreview",
        description="Review PostgreSQL and Supabase migrations before they reach production: "
        "locks, backfills, data loss, tenancy, row level security and conventions.",
    )
    parser.add_argument("--version", action="version", version=f"dbreview {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser(
        "check", help="review migration files (the default command)",
        description="Review migrations. Each named file is reviewed with every earlier "
        "migration of its directory as history; a directory is reviewed file by file; with "
        "--since, the files changed since REV form one changeset.",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                       help="migration files or directories; `-` reads standard input")
    check.add_argument("--since", metavar="REV",
                       help="review the migrations changed since the merge-base of REV and HEAD")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format")
    check.add_argument("--config", type=Path, metavar="FILE",
                       help="configuration file (default: .github/dbreview.yml)")
    check.add_argument("--fail-on", choices=("error", "warning", "notice", "never"),
                       help="lowest severity that makes the exit code 1 (default: error)")
    check.add_argument("--pg-version", type=_pg_version, metavar="N",
                       help="PostgreSQL major version of production (default: 15)")
    check.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE")

    rules = commands.add_parser("rules", help="list the rule catalog, or explain one rule",
                                description="Without RULE_ID, list every rule; with one, print "
                                "its rationale, remediation and examples.")
    rules.add_argument("rule_id", nargs="?", metavar="RULE_ID")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] not in ("check", "rules", "-h", "--help", "--version"):
        arguments.insert(0, "check")
    if not arguments:
        arguments = ["check"]
    try:
        options = parser.parse_args(arguments)
    except SystemExit as exit:  # --help, --version, bad arguments: return, do not exit
        return exit.code if isinstance(exit.code, int) else 2
    try:
        if options.command == "rules":
            from dbreview.commands.rules import run_rules

            return run_rules(options.rule_id)
        return _run_check(options)
    except DbreviewError as error:
        print(f"dbreview: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dbreview: interrupted", file=sys.stderr)
        return 130


def _run_check(options: argparse.Namespace) -> int:
    from dbreview.commands.check import run_check

    paths: list[Path] = options.paths
    if any(str(path) == "-" for path in paths):
        if len(paths) > 1:
            raise UsageError("`-` (standard input) cannot be combined with other paths")
        with tempfile.TemporaryDirectory(prefix="dbreview-") as directory:
            stdin_file = Path(directory) / "stdin.sql"
            # Bytes, not text: the file reader reports a BOM or invalid UTF-8 as a finding.
            stdin_file.write_bytes(sys.stdin.buffer.read())
            return run_check(_request(options, [stdin_file], stdin=True))
    return run_check(_request(options, paths))


def _request(options: argparse.Namespace, paths: list[Path], *, stdin: bool = False) -> object:
    from dbreview.commands.check import CheckRequest

    return CheckRequest(
        paths=paths, since=options.since, format=options.format, config_path=options.config,
        fail_on=options.fail_on, pg_version=options.pg_version, output=options.output,
        stdin=stdin,
    )


def run() -> None:
    """The console script: exit without tearing down the review's objects one by one (on a
    20,000-statement review that teardown alone takes half a second)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
