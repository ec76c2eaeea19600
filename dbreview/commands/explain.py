"""`dbreview explain [TABLE] [PATH ...]`: the schema in plain language, and its relationship map."""

from __future__ import annotations

import argparse
import difflib
import textwrap
from pathlib import Path
from typing import Any

from dbreview.config import Config, load_config
from dbreview.errors import UsageError
from dbreview.explain import TableExplanation, explain_table, relationship_map
from dbreview.explain.facts import sorted_tables
from dbreview.schema.load import load_schema
from dbreview.schema.model import Key, Schema
from dbreview.workspace import repository_for

WIDTH = 100
EPILOG = """\
examples:
  dbreview explain                          every table of the configured migration folders
  dbreview explain tasks                    one table, and the tables it is linked to
  dbreview explain public.tasks supabase/migrations/20250120110000_tasks.sql
                                            the table as that migration left it

TABLE is the first argument unless it names an existing file or directory.
"""


def register(commands: Any) -> None:
    explain = commands.add_parser(
        "explain", help="explain the schema in plain language, with its relationship map",
        description="Explain the tables the migrations build: what each holds, its keys, "
        "relationships, row level security and triggers, a glossary and a tenant-scoped "
        "example query; then the relationship map as text and as a Mermaid erDiagram.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("arguments", nargs="*", metavar="[TABLE] [PATH ...]",
                         help="a table (`tasks` or `public.tasks`), then migration "
                         "directories or a file to stop at")
    explain.add_argument("--config", type=Path, metavar="FILE",
                         help="configuration file (default: .github/dbreview.yml)")
    explain.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    table, paths = split_table_and_paths(options.arguments)
    root = repository_for(paths)
    config = load_config(options.config, root)
    schema = load_schema(paths, config, root)
    if table is None:
        keys = [table.key for table in sorted_tables(schema)]
        if not keys:
            print("The migrations create no tables yet.")
            return 0
        mapped = relationship_map(schema)
    else:
        keys = [find_table(schema, table)]
        mapped = relationship_map(schema, keys)
    print(render(schema, keys, config, mapped.text(), mapped.mermaid()), end="")
    return 0


def split_table_and_paths(arguments: list[str]) -> tuple[str | None, list[Path]]:
    """The first argument is a table unless it is an existing path."""
    if arguments and not Path(arguments[0]).exists():
        return arguments[0], [Path(argument) for argument in arguments[1:]]
    return None, [Path(argument) for argument in arguments]


def find_table(schema: Schema, name: str) -> Key:
    """The table called `schema.name` or `name` (through the search path); a UsageError naming
    the closest tables otherwise."""
    qualifier, _, relname = name.rpartition(".")
    if qualifier and (qualifier, relname) in schema.tables:
        return (qualifier, relname)
    if not qualifier:
        matches = sorted(key for key in schema.tables if key[1] == name)
        preferred = [key for key in matches if key[0] in schema.search_path]
        if len(matches) == 1 or len(preferred) == 1:
            return (preferred or matches)[0]
        if matches:
            listed = ", ".join(f"{key[0]}.{key[1]}" for key in matches)
            raise UsageError(f"'{name}' names several tables ({listed}); qualify it with the "
                             "schema")
    known = sorted(f"{key[0]}.{key[1]}" for key in schema.tables)
    close = difflib.get_close_matches(name, known + sorted({key[1] for key in schema.tables}),
                                      n=3, cutoff=0.6)
    hint = (f"closest: {', '.join(close)}" if close
            else "`dbreview explain` without TABLE lists every table")
    raise UsageError(f"no table '{name}' in the schema the migrations build ({hint})")


def render(schema: Schema, keys: list[Key], config: Config, map_text: str,
           mermaid: str) -> str:
    sections = [_explanation(explain_table(schema, key, config)) for key in keys]
    sections.append("Relationship map\n" + textwrap.indent(map_text, "  "))
    sections.append("Mermaid erDiagram (paste into a ```mermaid block)\n"
                    + textwrap.indent(mermaid, "  "))
    return "\n".join(sections)


def _explanation(explanation: TableExplanation) -> str:
    lines = [explanation.table,
             textwrap.fill(explanation.paragraph, WIDTH, initial_indent="  ",
                           subsequent_indent="  ", break_on_hyphens=False)]
    glossary = explanation.glossary[1:]  # the first entry is the table, already explained
    if glossary:
        lines.append("  Glossary:")
        lines += [textwrap.fill(f"{entry.term}: {entry.meaning}", WIDTH, initial_indent="    ",
                                subsequent_indent="      ") for entry in glossary]
    if explanation.example_query:
        lines.append("  Example query:")
        lines.append(textwrap.indent(explanation.example_query, "    "))
    return "\n".join(lines) + "\n"
