"""`dbreview docs [PATH ...] [--write]`: the schema documentation tree, printed or written."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dbreview.config import load_config
from dbreview.schema.load import load_history
from dbreview.schema_docs import Outcome, build_docs, with_marker, write_file
from dbreview.workspace import repository_for

EPILOG = """\
examples:
  dbreview docs                         print every page for the configured migration folders
  dbreview docs --write                 write them into the repository
  dbreview docs supabase/migrations --write

--write creates missing pages and regenerates the ones dbreview wrote before; a page someone
edited (or wrote by hand) is kept as it is, and the output says so.
"""


def register(commands: Any) -> None:
    docs = commands.add_parser(
        "docs", help="print or write the schema documentation (docs/schema/...)",
        description="Generate the schema documentation from the migrations: a page per table "
        "(docs.dir, default docs/schema/tables), the relationship map, enums, triggers and the "
        "activity log, the index strategy, row level security, a migrations summary and a "
        "backup policy template when the repository has none.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docs.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                      help="migration directory, or a file to stop at (default: the "
                      "configured migration folders)")
    docs.add_argument("--write", action="store_true",
                      help="write the pages into the repository instead of printing them")
    docs.add_argument("--config", type=Path, metavar="FILE",
                      help="configuration file (default: .github/dbreview.yml)")
    docs.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    paths: list[Path] = options.paths
    root = repository_for(paths)
    config = load_config(options.config, root)
    files = build_docs(load_history(paths, config, root), config, root)
    if not options.write:
        print("\n".join(f"==> {file.path} <==\n{with_marker(file.body)}" for file in files),
              end="")
        return 0
    for file in files:
        outcome = write_file(root, file)
        if outcome is Outcome.KEPT:
            print(f"kept {file.path}: edited since dbreview generated it, or written by hand "
                  "(delete it to regenerate)")
        else:
            print(f"{outcome.value} {file.path}")
    return 0
