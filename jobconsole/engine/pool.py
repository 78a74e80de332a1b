"""Threads that carry runs: reused between runs, added when all are stuck.

The pool hands each task to one handler (the scheduler's "execute a run"), so
queuing a run allocates nothing beyond the run itself.

A run of a thread job may block for as long as its job likes, so the pool may
never make a due run wait behind blocked workers for long. It starts a thread
whenever a task would otherwise wait, up to ``eager_limit`` threads; past that
a watchdog adds one more whenever tasks are waiting and no worker has picked
one up for ``starvation_seconds`` (all are blocked). A burst of short runs so
reuses a few threads instead of starting thousands, and workers take tasks
from the queue without a lock, so they do not queue up behind each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger("jobconsole.engine")

Task = TypeVar("Task")


class WorkerPool(Generic[Task]):
    def __init__(
        self,
        handler: Callable[[Task], None],
        name: str = "jobconsole-run",
        eager_limit: int = 4,
        starvation_seconds: float = 0.02,
        idle_seconds: float = 300.0,
    ) -> None:
        self._handler = handler
        self._name = name
        self._eager_limit = eager_limit
        self._starvation_seconds = starvation_seconds
        self._idle_seconds = idle_seconds
        lock = threading.Lock()
        self._condition = threading.Condition(lock)
        """Idle workers wait here for tasks."""
        self._watch_condition = threading.Condition(lock)
        """The watchdog waits here, apart from the workers: a notify meant for a worker must never wake it
        instead (a task would then wait, with every worker idle, until the next submit)."""
        self._tasks: deque[Task] = deque()
        self._workers = 0
        self._idle = 0
        self._last_pickup = time.monotonic()
        self._closed = False
        self._watchdog: threading.Thread | None = None

    @property
    def size(self) -> int:
        return self._workers

    @property
    def backlog(self) -> int:
        """Tasks waiting for a worker."""
        return len(self._tasks)

    def submit_many(self, tasks: Iterable[Task]) -> None:
        with self._condition:
            if self._closed:
                raise RuntimeError("worker pool is closed")
            before = len(self._tasks)
            self._tasks.extend(tasks)
            added = len(self._tasks) - before
            if not added:
                return
            if self._idle:
                self._condition.notify(min(self._idle, added))
            for _ in range(min(added - self._idle, self._eager_limit - self._workers)):
                self._spawn()
            if self._workers >= self._eager_limit:
                self._ensure_watchdog()
                self._watch_condition.notify()

    def close(self) -> None:
        """Let idle workers exit; busy ones finish their task first (they are daemons)."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
            self._watch_condition.notify_all()

    def _spawn(self) -> None:
        self._workers += 1
        threading.Thread(target=self._work, name=f"{self._name}-{self._workers}", daemon=True).start()

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name=f"{self._name}-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        """Add a worker whenever tasks wait while no worker has picked one up for a while."""
        with self._watch_condition:
            while not self._closed:
                if not self._tasks:
                    self._watch_condition.wait()
                    continue
                stuck_for = time.monotonic() - self._last_pickup
                if stuck_for >= self._starvation_seconds and self._idle == 0:
                    self._spawn()
                    self._last_pickup = time.monotonic()
                self._watch_condition.wait(self._starvation_seconds)

    def _work(self) -> None:
        tasks = self._tasks
        handler = self._handler
        while True:
            try:
                task = tasks.popleft()
            except IndexError:
                with self._condition:
                    if tasks:
                        continue
                    if self._closed:
                        self._workers -= 1
                        return
                    self._idle += 1
                    woke = self._condition.wait(self._idle_seconds)
                    self._idle -= 1
                    if not woke and not tasks:
                        self._workers -= 1
                        return
                continue
            self._last_pickup = time.monotonic()
            try:
                handler(task)
            except BaseException:
                log.exception("internal error in a run worker; the scheduler keeps going")
