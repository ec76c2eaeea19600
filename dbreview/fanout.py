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

import ctypes
import os
import pickle
import signal
import sys
import threading
import traceback
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from pathlib import Path
from typing import BinaryIO, NoReturn

from dbreview.engine import Analyzer, Changeset
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
    tasks = [_ReviewRun(analyzer, migration_set, run,
                        {m.path for earlier_run in runs[:index] for m in earlier_run})
             for index, run in enumerate(runs)]
    workers: list[_Worker] = []
    try:
        for task in tasks[:-1]:
            _Worker.start(task, workers)
        own = tasks[-1].parts(reviewed)
        theirs = []
        for worker, task in zip(workers, tasks, strict=False):
            drafts = worker.result()
            if drafts is None:  # killed (out of memory, say): its files are reviewed here
                print(f"dbreview: a review process ended without its result "
                      f"({worker.ending}); reviewing its files here", file=sys.stderr)
                drafts = task()
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

    def parts(self, reviewed: Callable[[int], None] = lambda count: None) -> list[Reviewed]:
        """The run's reviews, with the schema this process built; `reviewed` hears of each."""
        parts = []
        for changeset in self.analyzer.review_each(self.migration_set, self.run,
                                                   elsewhere=self.earlier):
            parts += take_drafts([changeset])
            reviewed(1)
        return parts

    def __call__(self) -> list[Review]:
        """In a worker: only the reviews travel back; the schema is this process's own."""
        return [part.review for part in self.parts()]


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
        self.ending = ""  # how it ended, once reaped

    @classmethod
    def start(cls, task: Callable[[], object], workers: list[_Worker]) -> None:
        """Fork a worker for `task` and add it to `workers`. Ctrl-C waits until it is there,
        so it is stopped with the others, and the child never runs the parent's code."""
        reader, writer = os.pipe()
        parent = os.getpid()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pid = os.fork()
            if pid == 0:
                inherited = [reader, *(worker.fileno() for worker in workers)]
                _work(task, writer, inherited, parent, mask)
            os.close(writer)
            workers.append(cls(pid, reader))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def fileno(self) -> int:
        return -1 if self.pipe is None else self.pipe.fileno()

    def result(self) -> list[Review] | None:
        """Wait for the worker's result, None if it ended without one; its exception is
        raised here, with the worker's traceback as its cause."""
        pipe, self.pipe = self.pipe, None
        assert pipe is not None, "a worker's result is read once"
        with pipe:
            try:
                outcome: tuple[bool, object, str] | None = pickle.load(pipe)
            except Exception:  # cut short: the worker died while sending
                outcome = None
        self._reap()
        if outcome is None:
            return None
        succeeded, value, trace = outcome
        if not succeeded:
            assert isinstance(value, BaseException)
            raise value from _WorkerTraceback(trace)
        result: list[Review] = value  # type: ignore[assignment]
        return result

    def stop(self) -> None:
        """End a worker whose result is no longer wanted (this process is failing)."""
        if self.pipe is not None:
            self.pipe.close()
            self.pipe = None
        if self.running:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        self.running = False
        _, status = os.waitpid(self.pid, 0)
        if os.WIFSIGNALED(status):
            self.ending = f"killed by signal {os.WTERMSIG(status)}"
        else:
            self.ending = f"exit status {os.waitstatus_to_exitcode(status)}"


class _WorkerTraceback(Exception):
    """Where a worker's error was raised, shown as the cause of the same error here."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


def _work(task: Callable[[], object], writer: int, inherited: list[int], parent: int,
          mask: Iterable[int]) -> NoReturn:
    """The child's whole life: do `task`, send its outcome to the parent, and exit without
    running any of the parent's exit code or flushing its buffered output."""
    status = 1
    try:
        _end_with_parent(parent)
        for descriptor in inherited:  # the parent's ends of this and earlier workers' pipes
            if descriptor >= 0:
                os.close(descriptor)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        # Pickled whole before writing, while the parent is still busy: the pipe holds only
        # 64 KiB, and pickling into it would wait for the parent at every write.
        message = pickle.dumps(_outcome(task), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(message)
        status = 0
    finally:
        os._exit(status)


def _outcome(task: Callable[[], object]) -> tuple[bool, object, str]:
    try:
        return True, task(), ""
    except Exception as error:
        trace = traceback.format_exc()
        try:  # sent only if it arrives intact; else its type and message
            pickle.loads(pickle.dumps(error))
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        return False, error, trace


def _end_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (killed by `timeout`, a CI job
    cancelled), instead of leaving it to finish a review nobody will read."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
