"""One thread that calls functions at given instants.

Due jobs, run deadlines and the steps of ending a process all go through this
loop, so the engine has a single sleeping thread that wakes exactly when the
earliest thing is due, or at once when something earlier is added.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from jobconsole.engine.clock import Clock

log = logging.getLogger("jobconsole.engine")


class TimerHandle:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class TimerLoop:
    def __init__(self, clock: Clock, name: str = "jobconsole-dispatch") -> None:
        self._clock = clock
        self._condition = threading.Condition()
        self._heap: list[tuple[datetime, int, TimerHandle, Callable[[datetime], None]]] = []
        self._seq = itertools.count()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call_at(self, when: datetime, callback: Callable[[datetime], None]) -> TimerHandle:
        """Call ``callback(when)`` on the loop's thread once ``when`` has come."""
        handle = TimerHandle()
        with self._condition:
            heapq.heappush(self._heap, (when, next(self._seq), handle, callback))
            if self._heap[0][2] is handle:
                self._condition.notify()
        return handle

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()

    def _loop(self) -> None:
        heap = self._heap
        while True:
            with self._condition:
                while True:
                    if self._stopping:
                        return
                    if heap:
                        now = self._clock.now()
                        if heap[0][0] <= now:
                            break
                        self._clock.wait(self._condition, heap[0][0])
                    else:
                        self._clock.wait(self._condition, None)
                due = []
                while heap and heap[0][0] <= now:
                    due.append(heapq.heappop(heap))
            for when, _, handle, callback in due:
                if handle.cancelled:
                    continue
                try:
                    callback(when)
                except Exception:
                    log.exception("internal error in a timer callback; the scheduler keeps going")
