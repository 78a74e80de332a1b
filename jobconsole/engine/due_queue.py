"""The schedule queue: each job's next due time (wall clock), earliest first.

A heap holds (due, seq, job) entries and a dict the job's current due time; an
entry whose due time is no longer the job's is stale and skipped when popped,
so re-arming a job never searches the heap. Owned by the engine loop's thread;
the snapshot reads the due times through :meth:`DueQueue.next_due` on that
thread too.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta


class DueQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, str]] = []
        self._next_due: dict[str, datetime | None] = {}
        self._seq = itertools.count()

    def next_due(self, name: str) -> datetime | None:
        return self._next_due.get(name)

    def arm(self, name: str, due: datetime | None) -> None:
        """Set the job's next due time (None: no more runs)."""
        self._next_due[name] = due
        if due is not None:
            heapq.heappush(self._heap, (due, next(self._seq), name))

    def earliest(self) -> datetime | None:
        heap = self._heap
        next_due = self._next_due
        while heap and next_due.get(heap[0][2]) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """Each job due at ``now`` with its due time, earliest first, disarmed until re-armed.

        Lazy, so the first runs of a large batch start while the rest are popped; a job
        re-armed during the iteration at a time still due comes out again.
        """
        heap = self._heap
        next_due = self._next_due
        while heap and heap[0][0] <= now:
            when, _, name = heapq.heappop(heap)
            if next_due.get(name) == when:
                next_due[name] = None
                yield name, when

    def clear(self) -> None:
        """Disarm every job (shutdown)."""
        self._heap.clear()
        for name in self._next_due:
            self._next_due[name] = None

    def shift(self, names: Iterable[str], delta: timedelta) -> None:
        """Move these jobs' due times by ``delta`` (after a wall-clock step), in one heap rebuild."""
        moved = set(names)
        next_due = self._next_due
        for name in moved:
            due = next_due.get(name)
            if due is not None:
                next_due[name] = due + delta
        self._heap = [
            (due, next(self._seq), name) for name, due in next_due.items() if due is not None
        ]
        heapq.heapify(self._heap)

    def names_where(self, keep: Callable[[str], bool]) -> list[str]:
        return [name for name in self._next_due if keep(name)]
