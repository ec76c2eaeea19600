"""A folder reviewed file by file on several processes (`--jobs`) gives the review one process
gives, byte for byte; a worker's failure reaches the user as one line.

The reviews run in a fresh interpreter: dbreview forks only a process with a single thread,
and this test process may hold others (the fake servers of other tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbreview import fanout
from dbreview.layouts.base import Layout, Migration

# Runs dbreview's CLI, counting the workers it forks; the count goes last on stderr.
COUNTING_CLI = """
import os, sys
from dbreview import cli

forks = 0
fork = os.fork

def counted_fork():
    global forks
    pid = fork()
    forks += pid > 0
    return pid

os.fork = counted_fork
code = cli.main(sys.argv[1:])
print(f"forks={forks}", file=sys.stderr)
sys.exit(code)
"""


def _history(folder: Path) -> None:
    """Files that depend on each other: tables made early and changed later (the review
    describes them as they were before), findings in every file, a parse error, a file
    without a transaction and one with its own."""
    files = {
        "20240101000000_seed.sql": "CREATE TABLE public.accounts (id bigint PRIMARY KEY, "
        "name text);\nCREATE TABLE public.orders (id bigint PRIMARY KEY, account_id bigint "
        "REFERENCES public.accounts (id), total numeric);\n",
        "20240102000000_tenants.sql": "CREATE TABLE public.tenants (id uuid PRIMARY KEY);\n"
        "ALTER TABLE public.accounts ADD COLUMN tenant_id uuid;\n",
        "20240103000000_index.sql": "CREATE INDEX orders_account_idx ON public.orders "
        "(account_id);\n",
        "20240104000000_not_null.sql": "ALTER TABLE public.accounts ALTER COLUMN name SET "
        "NOT NULL;\n",
        "20240105000000_broken.sql": "ALTER TABLE public.orders ADD COLUM note text;\n"
        "ALTER TABLE public.orders ADD COLUMN note text;\n",
        "20240106000000_concurrently.sql": "-- dbreview:no-transaction\nCREATE INDEX "
        "CONCURRENTLY orders_note_idx ON public.orders (note);\n",
        "20240107000000_rls.sql": "ALTER TABLE public.orders ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY orders_read ON public.orders FOR SELECT USING (true);\n",
        "20240108000000_type.sql": "ALTER TABLE public.orders ALTER COLUMN total TYPE "
        "numeric(12, 2);\n",
        "20240109000000_backfill.sql": "BEGIN;\nUPDATE public.orders SET note = '' WHERE "
        "note IS NULL;\nCOMMIT;\n",
        "20240110000000_drop.sql": "ALTER TABLE public.orders DROP COLUMN note;\n",
        "20240111000000_items.sql": "CREATE TABLE public.items (id serial PRIMARY KEY, "
        "order_id bigint REFERENCES public.orders (id));\n",
        "20240112000000_rename.sql": "ALTER TABLE public.accounts RENAME COLUMN name TO "
        "title;\n",
    }
    folder.mkdir(parents=True)
    for name, sql in files.items():
        (folder / name).write_text(sql)


def _python(script: str, *arguments: str, cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    """`script` run in a fresh interpreter (see the module's docstring)."""
    return subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True,
                          text=True, cwd=cwd, check=False)


def _check(folder: Path, jobs: int, script: str = COUNTING_CLI
           ) -> tuple[subprocess.CompletedProcess[str], int]:
    """Review all but the first two files (so those two are history), file by file."""
    reviewed = [str(path) for path in sorted(folder.iterdir())[2:]]
    run = _python(script, "check", "--format", "json", "--jobs", str(jobs), *reviewed,
                  cwd=folder.parent)
    *_, forks = run.stderr.splitlines() or ["forks=?"]
    return run, int(forks.removeprefix("forks="))


def test_several_processes_give_the_review_of_one(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    _history(folder)
    alone, alone_forks = _check(folder, 1)
    spread, spread_forks = _check(folder, 3)
    assert (alone_forks, spread_forks) == (0, 2)
    assert alone.returncode == spread.returncode == 1, alone.stderr
    assert spread.stdout == alone.stdout
    review = json.loads(spread.stdout)
    assert len(review["files"]) == 10
    # findings from every process's run
    rules = {finding["rule"] for file in review["files"] for finding in file["findings"]}
    assert {"parse-error", "index-not-concurrent", "drop-column", "rename-column"} <= rules
    # history tables described against what they were before the first reviewed file
    orders = next(table for table in review["impact"]["tables"]
                  if table["name"] == "public.orders")
    assert orders["change"] == "altered"
    assert orders["columns"] == [{"name": "total", "detail": "numeric(12,2)",
                                  "change": "changed", "was": "numeric"}]


@pytest.mark.parametrize("jobs", ["0", "²", "-1", "many"])
def test_jobs_must_be_a_number_of_processes(tmp_path: Path, jobs: str) -> None:
    run = subprocess.run([sys.executable, "-m", "dbreview.cli", "check", "--jobs", jobs],
                         capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 2
    assert f"'{jobs}' is not a number of processes (1-256)" in run.stderr
    assert "Traceback" not in run.stderr


# A worker's outcome reaches this process; started in a fresh interpreter (see the docstring).
WORKER = """
import os, signal, sys
from dbreview import fanout
from dbreview.errors import InputError

def failing_in_the_worker():
    raise InputError("migrations/x.sql: cannot be read; check the file")

class Odd(Exception):  # pickles, but cannot be unpickled
    def __init__(self, first, second):
        super().__init__(f"{first} {second}")

def odd():
    raise Odd("odd", "error")

tasks = {"value": lambda: [1, 2, 3], "error": failing_in_the_worker, "odd": odd,
         "death": lambda: os.kill(os.getpid(), signal.SIGKILL), "exit": lambda: os._exit(3)}
workers = []
fanout._Worker.start(tasks[sys.argv[1]], workers)
try:
    print(workers[0].result(), workers[0].ending)
except Exception as error:
    where = "failing_in_the_worker" in str(error.__cause__) or "odd" in str(error.__cause__)
    print(f"{type(error).__name__}: {error} (worker's traceback: {where})")
"""


@pytest.mark.parametrize(("task", "printed"), [
    ("value", "[1, 2, 3] exit status 0"),
    ("error", "InputError: migrations/x.sql: cannot be read; check the file "
              "(worker's traceback: True)"),
    ("odd", "RuntimeError: Odd: odd error (worker's traceback: True)"),
    ("death", "None killed by signal 9"),
    ("exit", "None exit status 3"),
])
def test_a_workers_result_or_failure_reaches_this_process(task: str, printed: str) -> None:
    run = _python(WORKER, task)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == printed


# Kills each worker as it starts its run; this process then reviews the run itself.
DYING_WORKERS = COUNTING_CLI.replace("os.fork = counted_fork", """os.fork = counted_fork
import signal
from dbreview import fanout

parent = os.getpid()
review_run = fanout._ReviewRun.__call__

def dying(self):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return review_run(self)

fanout._ReviewRun.__call__ = dying""")


def test_a_killed_workers_files_are_reviewed_here(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    _history(folder)
    alone, _ = _check(folder, 1)
    run, _ = _check(folder, 3, DYING_WORKERS)
    assert run.stdout == alone.stdout
    assert run.returncode == alone.returncode
    notices = [line for line in run.stderr.splitlines() if line.startswith("dbreview:")]
    assert notices == ["dbreview: a review process ended without its result (killed by "
                       "signal 9); reviewing its files here"] * 2


STOPPED = """
import os, time
from dbreview import fanout

workers = []
fanout._Worker.start(lambda: time.sleep(600), workers)
workers[0].stop()
try:
    os.kill(workers[0].pid, 0)
    print("still running")
except ProcessLookupError:
    print("ended and reaped")
"""


def test_a_worker_no_longer_wanted_is_ended_and_reaped() -> None:
    """When this process fails (or is interrupted), its workers do not linger."""
    run = _python(STOPPED)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ended and reaped"


ORPHANED = """
import os, sys, time
from dbreview import fanout

workers = []
fanout._Worker.start(lambda: time.sleep(600), workers)
print(workers[0].pid, flush=True)
os.kill(os.getpid(), 9)  # the parent dies at once: no cleanup of its own runs
"""


def test_a_worker_ends_with_its_parent() -> None:
    """A parent killed (by `timeout`, a cancelled CI job) takes its workers with it."""
    # Read the worker's pid, not the whole output: a worker that lived on would hold it open.
    with subprocess.Popen([sys.executable, "-c", ORPHANED], stdout=subprocess.PIPE,
                          text=True) as parent:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        parent.wait()
    for _ in range(200):  # the kernel kills the orphan at once; reaping it may take a moment
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{worker}/stat").read_text().split()[2] == "Z":
            break  # killed, waiting for init to reap it
        time.sleep(0.05)
    else:
        os.kill(worker, 9)
        pytest.fail(f"worker {worker} outlived its parent")


def _migrations(tmp_path: Path, sizes: list[int]) -> list[Migration]:
    migrations = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"{number:04d}_m.sql"
        path.write_text("x" * size)
        migrations.append(Migration(path=path, version=f"{number:04d}", name="m",
                                    layout=Layout.VERSIONED))
    return migrations


def test_runs_are_consecutive_and_the_last_process_reviews_less(tmp_path: Path) -> None:
    migrations = _migrations(tmp_path, [1000] * 300)
    runs = fanout._runs(migrations, 3)
    assert [m for run in runs for m in run] == migrations
    assert len(runs) == 3
    # the later processes first replay the earlier runs, so their own are shorter
    assert len(runs[0]) > len(runs[1]) > len(runs[2]) > 0


def test_runs_weigh_files_by_size(tmp_path: Path) -> None:
    migrations = _migrations(tmp_path, [100_000] + [100] * 99)
    first, second = fanout._runs(migrations, 2)
    assert first == migrations[:1]  # one big file is half the work
    assert second == migrations[1:]


def test_a_folder_is_spread_only_when_each_process_gets_enough_files(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "_can_fork", lambda: True)
    monkeypatch.setattr(fanout.os, "sched_getaffinity", lambda pid: set(range(3)))
    assert fanout.process_count(None, 50) == 1
    assert fanout.process_count(None, 250) == 2
    assert fanout.process_count(None, 5000) == 3  # one per core
    monkeypatch.setattr(fanout.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert fanout.process_count(None, 50_000) == fanout.MAX_PROCESSES
    assert fanout.process_count(8, 50_000) == 8  # --jobs is obeyed
    assert fanout.process_count(3, 2) == 2  # but never more processes than files
    assert fanout.process_count(1, 5000) == 1
    monkeypatch.setattr(fanout, "_can_fork", lambda: False)
    assert fanout.process_count(8, 5000) == 1
