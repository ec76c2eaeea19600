"""How fast is `dbreview check`, and how much memory does it take?

Generates two deterministic inputs in a temporary directory:

    one-file    one migration of 20,000 statements
    many-files  2,000 migrations of 10 statements each (reviewed file by file, each with the
                earlier ones replayed as history)

and runs `dbreview check --format json` on each as a subprocess, RUNS times, reporting the
median wall time, statements per second and the peak memory (of all dbreview's processes
together, sampled in one more run, and of the largest one). When the
`squawk` command (PyPI `squawk-cli`) is on PATH, `squawk --reporter json` runs on the same
inputs and the wall-time ratio dbreview/squawk is printed.

    .venv/bin/python benchmarks/bench_check.py [--runs 3] [--keep DIR]

Targets: within 3x of squawk's wall time on both inputs; peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ONE_FILE_STATEMENTS = 20_000
MANY_FILES = 2_000
TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 300.0
SEED_TABLES = 20  # tables the generated migrations alter, created first


# Inputs


def _seed_tables() -> list[str]:
    return [
        f"CREATE TABLE public.seed_{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        f"tenant_id uuid NOT NULL, name text, status text NOT NULL DEFAULT 'open', "
        f"created_at timestamptz NOT NULL DEFAULT now());"
        for n in range(SEED_TABLES)
    ]


def _unit(n: int) -> list[str]:
    """Ten statements as a feature migration writes them: a new tenant table with RLS, a
    policy, an index and an audit trigger, and changes to an existing table."""
    table, existing = f"public.feature_{n}", f"public.seed_{n % SEED_TABLES}"
    return [
        f"CREATE TABLE {table} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "
        f"tenant_id uuid NOT NULL, title text NOT NULL, amount numeric(12, 2), "
        f"created_at timestamptz NOT NULL DEFAULT now());",
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
        f"CREATE POLICY feature_{n}_tenant ON {table} FOR ALL TO authenticated "
        f"USING (tenant_id = (SELECT auth.uid())) WITH CHECK (tenant_id = (SELECT auth.uid()));",
        f"CREATE INDEX feature_{n}_tenant_idx ON {table} (tenant_id, created_at);",
        f"ALTER TABLE {existing} ADD COLUMN note_{n} text;",
        f"CREATE INDEX seed_note_{n}_idx ON {existing} (note_{n});",
        f"UPDATE {existing} SET note_{n} = name WHERE status = 'open' AND id < {n + 1000};",
        f"CREATE OR REPLACE FUNCTION public.touch_{n}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;",
        f"CREATE TRIGGER feature_{n}_touch BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION public.touch_{n}();",
        f"ALTER TABLE {existing} ALTER COLUMN note_{n} SET DEFAULT '';",
    ]


def _migration(statements: Iterator[str] | list[str], purpose: str) -> str:
    return f"-- {purpose}\n" + "\n".join(statements) + "\n"


def write_one_file(directory: Path) -> int:
    """The seed migration, then one migration of ONE_FILE_STATEMENTS statements."""
    directory.mkdir(parents=True)
    (directory / "20240101000000_seed.sql").write_text(_migration(_seed_tables(), "seed"))
    units = ONE_FILE_STATEMENTS // 10
    body = (statement for n in range(units) for statement in _unit(n))
    (directory / "20250101000000_everything.sql").write_text(_migration(body, "everything"))
    return units * 10 + SEED_TABLES


def write_many_files(directory: Path) -> int:
    """MANY_FILES migrations of 10 statements each, after the seed migration."""
    directory.mkdir(parents=True)
    (directory / "20240101000000_seed.sql").write_text(_migration(_seed_tables(), "seed"))
    for n in range(MANY_FILES):
        name = f"2025{n // 100 + 1:02d}01{n % 100:06d}_feature_{n}.sql"
        (directory / name).write_text(_migration(_unit(n), f"feature {n}"))
    return MANY_FILES * 10 + SEED_TABLES


# Measuring


@dataclass(frozen=True)
class Measure:
    wall: float  # seconds
    peak_mb: float  # the peak resident memory of the largest process (dbreview may fork)
    stdout: bytes
    all_processes_mb: float = 0.0  # sampled: the peak of all its processes together


def measure(command: list[str], cwd: Path, *, sample: bool = False) -> Measure:
    """Run `command` and read its peak memory: wait4 reports the largest process's; with
    `sample`, /proc is also read every 50 ms for all its processes together."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.DEVNULL)
        sampler = _TreeMemory(process.pid) if sample else None
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        all_processes = sampler.stop() if sampler is not None else 0.0
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        stdout = output.read()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command[0]} failed (exit {process.returncode}): {' '.join(command)}")
    peak = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    return Measure(wall, peak, stdout, max(peak, all_processes))


class _TreeMemory(threading.Thread):
    """The peak proportional set size (PSS) of a process and its children, summed: pages a
    forked worker shares with its parent count once in all, as they take memory once."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.wait(0.05):
            members = [self.pid, *_children(self.pid)]
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(member) for member in members))

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.peak_kib / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # gone, or no /proc: the largest process's peak stands alone
        return []


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def median_of(runs: int, command: list[str], cwd: Path) -> Measure:
    """The median wall time of `runs` runs, and the memory of one more, sampled (sampling
    takes a little of the time it would measure)."""
    results = [measure(command, cwd) for _ in range(runs)]
    sampled = measure(command, cwd, sample=True)
    wall = statistics.median(result.wall for result in results)
    peak = max(result.peak_mb for result in [*results, sampled])
    return Measure(wall, peak, results[-1].stdout, sampled.all_processes_mb)


def reviewed_statements(stdout: bytes) -> int:
    """What dbreview says it reviewed: a benchmark of a run that skipped work is worthless."""
    return sum(report["statements"] for report in json.loads(stdout)["files"])


# Report


def _dbreview() -> list[str]:
    script = Path(sys.executable).with_name("dbreview")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dbreview.cli"]


def bench(name: str, directory: Path, statements: int, runs: int) -> None:
    ours = median_of(runs, [*_dbreview(), "check", "--format", "json", str(directory)],
                     directory)
    reviewed = reviewed_statements(ours.stdout)
    memory_verdict = "ok" if ours.all_processes_mb < TARGET_MEMORY_MB else "MISSED"
    files = len(list(directory.glob("*.sql")))
    print(f"{name}: {statements:,} statements in {files:,} files ({reviewed:,} reviewed)")
    print(f"  dbreview  {ours.wall:7.2f} s  {statements / ours.wall:9,.0f} statements/s  "
          f"peak {ours.all_processes_mb:6.1f} MB in all (largest process "
          f"{ours.peak_mb:.1f} MB; target < {TARGET_MEMORY_MB:.0f} MB: {memory_verdict})")
    squawk = shutil.which("squawk") or shutil.which("squawk", path=Path(sys.executable).parent)
    if squawk is None:
        print("  squawk    not installed (pip install squawk-cli) — ratio not measured")
        return
    theirs = median_of(runs, [squawk, "--reporter", "json", str(directory / "*.sql")],
                       directory)
    ratio = ours.wall / theirs.wall
    ratio_verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  squawk    {theirs.wall:7.2f} s  {statements / theirs.wall:9,.0f} statements/s  "
          f"peak {theirs.peak_mb:6.1f} MB")
    print(f"  ratio dbreview/squawk {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x: {ratio_verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--keep", type=Path, help="write the inputs here and keep them")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dbreview-bench-") as scratch:
        root = options.keep or Path(scratch)
        one_file, many_files = root / "one-file", root / "many-files"
        if one_file.exists() or many_files.exists():
            raise SystemExit(f"{root} already holds inputs; remove them or choose another --keep")
        print(f"median of {options.runs} runs; inputs in {root}\n")
        bench("one-file", one_file, write_one_file(one_file), options.runs)
        print()
        bench("many-files", many_files, write_many_files(many_files), options.runs)


if __name__ == "__main__":
    main()
