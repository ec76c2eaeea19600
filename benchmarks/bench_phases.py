"""Where does `dbreview check` spend its time? One review, in this process, timed by phase.

    .venv/bin/python benchmarks/bench_phases.py [DIR ...]

Without DIR it generates bench_check.py's two inputs (one file of 20,000 statements, 2,000
files of 10) in a temporary directory. Each phase is timed by a wrapper around the functions
that do it, so the figures carry a little of the wrappers' own cost; the start-up (imports)
is timed on its own. The review runs in this one process (`--jobs 1`), so a folder takes
longer here than on the command line, which spreads it over the cores.
docs/performance.md explains the table and what it led to.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_started = time.perf_counter()
import dbreview.cli as cli  # noqa: E402  (timed: the start-up every run pays)

cli.build_parser()
START_UP = time.perf_counter() - _started

import dbreview.commands.check as check_command  # noqa: E402
import dbreview.engine as engine  # noqa: E402
from dbreview.render import json_output  # noqa: E402
from dbreview.sql.parse import freeze_large_trees  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import write_many_files, write_one_file  # noqa: E402

# (module, function name, phase): the functions each phase consists of
PHASES: tuple[tuple[Any, str, str], ...] = (
    (engine, "parse_statements", "parse (libpg_query JSON, json.loads, statement spans)"),
    (engine, "replay", "replay into the schema model"),
    (engine, "statement_impact", "lock facts"),
    (engine, "statement_facts", "statement facts (lock summary, masked SQL)"),
    (engine, "describe", "changes"),
    (check_command, "combine", "combine (tables described, explanations, doc stubs)"),
    (json_output, "render", "JSON rendering"),
)
RULES = "rules (the checks themselves)"
FINDINGS = "findings (masking, configuration, suppressions)"


def _timed(spent: Counter[str], phase: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*arguments: Any, **options: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*arguments, **options)
        finally:
            spent[phase] += time.perf_counter() - started

    return wrapper


def _instrument(spent: Counter[str]) -> None:
    for module, name, phase in PHASES:
        setattr(module, name, _timed(spent, phase, getattr(module, name)))
    record = engine.Changeset._record

    def timed_record(changeset: engine.Changeset, rule: Any, hits: Iterable[Any],
                     *rest: Any) -> None:
        started = time.perf_counter()
        found = list(hits)  # the rule's generator runs here
        spent[RULES] += time.perf_counter() - started
        _timed(spent, FINDINGS, record)(changeset, rule, found, *rest)

    engine.Changeset._record = timed_record  # type: ignore[method-assign]


def review(directory: Path, spent: Counter[str]) -> None:
    spent.clear()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        # one process: the phases of forked workers would not be counted here
        code = cli.main(["check", "--format", "json", "--jobs", "1", str(directory)])
    total = time.perf_counter() - started
    if code not in (0, 1):  # a review that stopped early is not worth timing
        raise SystemExit(f"dbreview check {directory} failed (exit {code}): no figures")
    print(f"{directory}: {total:.2f} s after a start-up of {START_UP:.2f} s")
    for phase, seconds in spent.most_common():
        print(f"  {seconds:6.2f} s {100 * seconds / total:4.0f}%  {phase}")
    rest = total - sum(spent.values())
    print(f"  {rest:6.2f} s {100 * rest / total:4.0f}%  the rest (reading, directives, "
          "per-file and per-changeset bookkeeping)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directories", nargs="*", type=Path, metavar="DIR")
    options = parser.parse_args()
    gc.set_threshold(50_000, 20, 20)  # as the console script runs (cli.run)
    freeze_large_trees()
    spent: Counter[str] = Counter()
    _instrument(spent)
    with tempfile.TemporaryDirectory(prefix="dbreview-phases-") as scratch:
        directories = options.directories
        if not directories:
            directories = [Path(scratch) / "one-file", Path(scratch) / "many-files"]
            write_one_file(directories[0])
            write_many_files(directories[1])
        for directory in directories:
            review(directory, spent)
            gc.collect()  # the next review starts without the last one's garbage


if __name__ == "__main__":
    main()
