"""The background worker: a bounded queue of jobs, a few asyncio tasks taking them, each job
run in a thread (PyGithub and the review block; the event loop must keep answering webhooks).

Delivery ids already seen are remembered (bounded), so a redelivery does nothing; a job equal
to one still waiting (same pull request head) is absorbed by it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Hashable
from enum import Enum

from dbreview.github.context import AppContext
from dbreview.github.events import Job

logger = logging.getLogger("dbreview.worker")


class Accepted(Enum):
    QUEUED = "queued"
    ABSORBED = "absorbed"  # the same work is already waiting
    FULL = "full"


class DeliveryLog:
    """The most recent delivery ids (GitHub's X-GitHub-Delivery), oldest forgotten first."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def seen(self, delivery: str) -> bool:
        return delivery in self._seen

    def remember(self, delivery: str) -> None:
        self._seen[delivery] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)


class WorkQueue:
    def __init__(self, ctx: AppContext, *, workers: int, size: int) -> None:
        self._ctx = ctx
        self._workers = workers
        self._queue: asyncio.Queue[Job] = asyncio.Queue(size)
        self._waiting: set[Hashable] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    @property
    def idle(self) -> bool:
        return self._queue.empty() and self._busy == 0

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"dbreview-worker-{number}")
                       for number in range(self._workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def submit(self, job: Job) -> Accepted:
        if job.key in self._waiting:
            return Accepted.ABSORBED
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            return Accepted.FULL
        self._waiting.add(job.key)
        self._ctx.metrics.queue_depth.set(self._queue.qsize())
        return Accepted.QUEUED

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            self._waiting.discard(job.key)
            self._ctx.metrics.queue_depth.set(self._queue.qsize())
            self._busy += 1
            try:
                await asyncio.to_thread(job.run, self._ctx)
            except Exception:  # noqa: BLE001 - one job's failure must not stop the worker
                logger.exception("job failed: %s", job.key, extra={"delivery": job.delivery})
            finally:
                self._busy -= 1
                self._queue.task_done()
