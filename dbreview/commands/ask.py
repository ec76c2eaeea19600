"""`dbreview ask QUESTION [PATH ...]`: a question about the schema the migrations build."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dbreview.config import load_config
from dbreview.errors import UsageError
from dbreview.schema.load import load_schema
from dbreview.workspace import repository_for

EPILOG = """\
examples:
  dbreview ask "which tables reference users?"
  dbreview ask "which indexes serve tenant queries?" supabase/migrations
  dbreview ask "explain the purpose of the invoices table"

Without an LLM, common questions are answered exactly from the schema. With one (`llm:
enabled: true` in .github/dbreview.yml and OPENAI_API_KEY set), an AI-written answer follows;
any SQL in it is checked against the schema before it is shown.
"""


def register(commands: Any) -> None:
    ask = commands.add_parser(
        "ask", help="answer a question about the schema",
        description="Answer a question about the schema that the migrations build, in "
        "Markdown on standard output.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ask.add_argument("question", metavar="QUESTION", help="the question, quoted")
    ask.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                     help="migration directory, or a file to stop at (default: the configured "
                     "migration folders)")
    ask.add_argument("--config", type=Path, metavar="FILE",
                     help="configuration file (default: .github/dbreview.yml)")
    ask.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    question = " ".join(options.question.split())
    if not question:
        raise UsageError("the question is empty; ask something, e.g. "
                         "`dbreview ask \"which tables reference users?\"`")
    import asyncio  # like the LLM client (openai), loaded only for `ask`

    from dbreview.ask import answer

    paths: list[Path] = options.paths
    root = repository_for(paths)
    config = load_config(options.config, root)
    schema = load_schema(paths, config, root)
    print(asyncio.run(answer(question, schema, config)), end="")
    return 0

