"""Timers on the monotonic clock, kept by the engine loop (no thread of their own).

The loop asks :meth:`Timers.next_at` how long it may sleep and calls
:meth:`Timers.pop_due` when it wakes. Run deadlines, the steps of ending a
process and the shutdown grace all live here, so a wall-clock step moves none
of them. Owned by the engine loop's thread.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

TimerCallback = Callable[[Any], None]
"""Called with the loop turn's Effects."""


class TimerHandle:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerHandle, TimerCallback]] = []
        self._seq = itertools.count()

    def call_at(self, when: float, callback: TimerCallback) -> TimerHandle:
        """Call ``callback(effects)`` on the loop once the monotonic clock reaches ``when``."""
        handle = TimerHandle()
        heapq.heappush(self._heap, (when, next(self._seq), handle, callback))
        return handle

    def next_at(self) -> float | None:
        """When the earliest live timer is due, or None."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> list[TimerCallback]:
        """The callbacks of every live timer due at ``now``, earliest first."""
        heap = self._heap
        due: list[TimerCallback] = []
        while heap and heap[0][0] <= now:
            _, _, handle, callback = heapq.heappop(heap)
            if not handle.cancelled:
                due.append(callback)
        return due


class Deadlines:
    """Runs' timeouts, by monotonic deadline.

    Runs started in one batch with one timeout share a deadline, and share one heap
    entry. A run that ends before its deadline leaves its id behind (removing it from
    the middle of a heap costs more than skipping it later); once such ids dominate,
    the heap is rebuilt from the runs still in progress.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, list[int]]] = []
        self._seq = itertools.count()
        self._last: tuple[float, int, list[int]] | None = None
        self._ids = 0
        self._stale = 0

    def add(self, when: float, run_id: int) -> None:
        self._ids += 1
        last = self._last
        if last is not None and last[0] == when:
            last[2].append(run_id)
            return
        entry = (when, next(self._seq), [run_id])
        heapq.heappush(self._heap, entry)
        self._last = entry

    def next_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[int]:
        heap = self._heap
        due: list[int] = []
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            if entry is self._last:
                self._last = None
            due.extend(entry[2])
        self._ids -= len(due)
        return due

    def forget(self, live: Callable[[], list[tuple[float, int]]]) -> None:
        """A run ended before its deadline; ``live`` lists the (deadline, run id) of runs still in progress."""
        self._stale += 1
        if self._stale > 1000 and self._stale > self._ids // 2:
            self._heap = []
            self._last = None
            self._ids = self._stale = 0
            for when, run_id in sorted(live()):
                self.add(when, run_id)

    def note_popped_stale(self) -> None:
        """An id popped by :meth:`pop_due` belonged to a run already ended."""
        self._stale = max(self._stale - 1, 0)
