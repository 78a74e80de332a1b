"""Threads that carry runs: reused between runs, added when all are busy.

A run of a thread job may block for as long as its job likes, so the pool may
never make a due run wait behind busy workers for long. It keeps a few idle
threads for quick reuse, starts a new one whenever a task would otherwise wait,
up to ``eager_limit`` threads, and past that adds one more each time a task has
waited ``starvation_seconds`` (so a burst of short runs reuses threads instead
of starting thousands, while blocked workers never starve a due run).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("jobconsole.engine")

Task = Callable[[], None]


class WorkerPool:
    def __init__(
        self,
        name: str = "jobconsole-run",
        eager_limit: int = 8,
        starvation_seconds: float = 0.01,
        idle_seconds: float = 300.0,
    ) -> None:
        self._name = name
        self._eager_limit = eager_limit
        self._starvation_seconds = starvation_seconds
        self._idle_seconds = idle_seconds
        self._condition = threading.Condition()
        self._tasks: deque[tuple[float, Task]] = deque()
        self._workers = 0
        self._idle = 0
        self._closed = False
        self._watchdog: threading.Thread | None = None

    @property
    def size(self) -> int:
        return self._workers

    def submit(self, task: Task) -> None:
        with self._condition:
            if self._closed:
                raise RuntimeError("worker pool is closed")
            self._tasks.append((time.monotonic(), task))
            if self._idle >= len(self._tasks):
                self._condition.notify()
            elif self._workers < self._eager_limit:
                self._spawn()
            else:
                self._condition.notify()
                self._ensure_watchdog()

    def close(self) -> None:
        """Let idle workers exit; busy ones finish their task first (they are daemons)."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def _spawn(self) -> None:
        self._workers += 1
        threading.Thread(target=self._work, name=f"{self._name}-{self._workers}", daemon=True).start()

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name=f"{self._name}-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        """Add a worker whenever the oldest waiting task has waited too long."""
        with self._condition:
            while not self._closed:
                if not self._tasks:
                    self._condition.wait()
                    continue
                waited = time.monotonic() - self._tasks[0][0]
                if waited >= self._starvation_seconds and self._idle == 0:
                    self._spawn()
                    self._condition.wait(self._starvation_seconds)
                else:
                    self._condition.wait(max(self._starvation_seconds - waited, 0.001))

    def _work(self) -> None:
        while True:
            with self._condition:
                while not self._tasks:
                    if self._closed:
                        self._workers -= 1
                        return
                    self._idle += 1
                    woke = self._condition.wait(self._idle_seconds)
                    self._idle -= 1
                    if not woke and not self._tasks:
                        self._workers -= 1
                        return
                _, task = self._tasks.popleft()
            try:
                task()
            except BaseException:
                log.exception("internal error in a run worker; the scheduler keeps going")
