"""A folder reviewed file by file, spread over several processes.

Each file is reviewed with every earlier one as history, so the schema is built in order. A
forked worker reviews one run of consecutive files; the files before its run it only replays
(`Analyzer.replay_reviewed`), which costs a fraction of a review. This process reviews the
last run, so its schema and its snapshots of the tables as they were before are those of a
review in one process, and it collects the workers' drafts in order. The result is the same,
byte for byte, as with one process.

Workers are forked, so they start with this process's state (configuration, rules, discovered
migrations) and send back only their drafts, pickled through a pipe. Forking is used on Linux
and only while this process runs a single thread (forking a threaded process can deadlock the
child); elsewhere everything runs here.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from pathlib import Path
from typing import BinaryIO

from dbreview.engine import Analyzer, Changeset
from dbreview.errors import DbreviewError
from dbreview.layouts.base import Migration
from dbreview.layouts.discover import MigrationSet
from dbreview.review.build import Reviewed
from dbreview.review.model import Review

# Below this many files per process, starting a worker and shipping its drafts back eat most
# of what another core saves (a file takes about 2 ms to review).
FILES_PER_PROCESS = 100
# Without --jobs, at most this many: this process's own work after the others (combining the
# reviews, rendering) does not shrink with more, and each process costs memory of its own.
MAX_PROCESSES = 4
# What replaying a file costs, as a share of reviewing it (parsing is most of it).
REPLAY_SHARE = 0.2


def take_drafts(changesets: Iterable[Changeset]) -> list[Reviewed]:
    """The finished changesets' drafts with the schemas they describe. Keep these, not the
    changesets, whose sources are let go here (see Changeset.release_sources)."""
    parts = []
    for changeset in changesets:
        if changeset.draft is not None:
            parts.append(Reviewed(changeset.draft, changeset.context.schema, changeset.before))
        changeset.release_sources()
    return parts


def process_count(requested: int | None, files: int) -> int:
    """How many processes review `files` files: `requested` (--jobs) if given, else one per
    available core up to MAX_PROCESSES, as long as each gets FILES_PER_PROCESS files; never
    more than the files."""
    if not _can_fork():
        return 1
    if requested is not None:
        return max(1, min(requested, files))
    cores = len(os.sched_getaffinity(0))
    return max(1, min(cores, MAX_PROCESSES, files // FILES_PER_PROCESS))


def review_files(analyzer: Analyzer, migration_set: MigrationSet,
                 selected: Sequence[Migration], processes: int,
                 reviewed: Callable[[int], None] = lambda count: None) -> list[Reviewed]:
    """Review each selected migration on its own (as `Analyzer.review_each`), on up to
    `processes` processes; `reviewed` is told how many files each step finished."""
    chosen = {migration.path for migration in selected}
    ordered = [migration for migration in migration_set.migrations if migration.path in chosen]
    spread = processes > 1 and len(ordered) > 1 and _can_fork()
    runs = _runs(ordered, processes) if spread else [ordered]
    workers: list[_Worker] = []
    try:
        for index, run in enumerate(runs[:-1]):
            earlier = {m.path for earlier_run in runs[:index] for m in earlier_run}
            workers.append(_Worker.start(_ReviewRun(analyzer, migration_set, run, earlier)))
        own = []
        earlier = {m.path for earlier_run in runs[:-1] for m in earlier_run}
        for changeset in analyzer.review_each(migration_set, runs[-1], elsewhere=earlier):
            own += take_drafts([changeset])
            reviewed(1)
        theirs = []
        for worker in workers:
            drafts = worker.result()
            reviewed(len(drafts))
            theirs += drafts
    finally:
        for worker in workers:
            worker.stop()
    if not own:  # nothing selected, so no workers either
        return []
    # One schema for all, as in one process: the one the last file left behind.
    schema, before = own[-1].schema, own[-1].before
    return [Reviewed(draft, schema, before) for draft in theirs] + own


@dataclass(frozen=True, slots=True)
class _ReviewRun:
    """A worker's task: review `run`, replaying the files reviewed by `earlier` workers."""

    analyzer: Analyzer
    migration_set: MigrationSet
    run: list[Migration]
    earlier: set[Path]

    def __call__(self) -> list[Review]:
        drafts = []
        for changeset in self.analyzer.review_each(self.migration_set, self.run,
                                                   elsewhere=self.earlier):
            drafts += [part.review for part in take_drafts([changeset])]
        return drafts


def _runs(ordered: list[Migration], processes: int) -> list[list[Migration]]:
    """`processes` runs of consecutive migrations, each process with about as much to do.
    Process k replays the runs before its own (REPLAY_SHARE of their cost) and reviews its
    own, so the runs shrink geometrically: every process's work is then the first run's."""
    cumulative = list(accumulate(_weight(migration) for migration in ordered))
    shrink = 1 - REPLAY_SHARE
    first = cumulative[-1] * REPLAY_SHARE / (1 - shrink ** processes)
    ends = accumulate(first * shrink ** k for k in range(processes - 1))
    cuts = sorted({min(max(bisect_left(cumulative, end) + 1, 1), len(ordered) - 1)
                   for end in ends})
    edges = [0, *cuts, len(ordered)]
    return [ordered[start:stop] for start, stop in pairwise(edges) if start < stop]


def _weight(migration: Migration) -> int:
    """A file's share of the work: its size, plus what each file costs however small (its
    changeset's rules, its report), about as much as 400 bytes of SQL."""
    try:
        return migration.path.stat().st_size + 400
    except OSError:  # reviewing it reports the problem; here it only weighs little
        return 400


def _can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


class _Worker:
    """A forked process computing one result and sending it back pickled."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.pipe: BinaryIO | None = os.fdopen(reader, "rb")
        self.running = True  # not yet reaped

    @classmethod
    def start(cls, task: Callable[[], object]) -> _Worker:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            os.close(reader)
            _run_and_send(task, writer)
        os.close(writer)
        return cls(pid, reader)

    def result(self) -> list[Review]:
        """Wait for the worker's result; its exception is raised here, as if raised here."""
        pipe, self.pipe = self.pipe, None
        assert pipe is not None, "a worker's result is read once"
        with pipe:
            try:
                succeeded, value = pickle.load(pipe)
            except (EOFError, pickle.UnpicklingError):
                succeeded, value = None, None
        status = self._reap()
        if succeeded is None:
            raise DbreviewError(f"a review process ended without its result "
                                f"({_ending(status)}); run again with --jobs 1")
        if not succeeded:
            raise value
        result: list[Review] = value
        return result

    def stop(self) -> None:
        """End a worker whose result is no longer wanted (this process is failing)."""
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.running:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> int:
        self.running = False
        _, status = os.waitpid(self.pid, 0)
        return status


def _run_and_send(task: Callable[[], object], writer: int) -> None:
    status = 0
    try:
        try:
            outcome: tuple[bool, object] = (True, task())
        except Exception as error:  # the parent raises it in its place
            outcome = (False, error)
        # Pickled whole before writing, while the parent is still busy: the pipe holds only
        # 64 KiB, and pickling into it would wait for the parent at every write.
        message = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(message)
    except BaseException:  # an unpicklable result: the parent reports the worker's end
        status = 1
    finally:
        os._exit(status)  # skip the parent's exit handlers and buffered output


def _ending(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
