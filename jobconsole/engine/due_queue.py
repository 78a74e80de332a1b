"""The schedule queue: each job's next due time (wall clock), earliest first.

A heap holds buckets of jobs due at one instant, and a dict each job's current
due time. Jobs armed one after another for the same instant (a thousand jobs
on one grid) share a bucket, so a batch costs one heap operation, not one per
job. A name in a bucket whose due time is no longer the job's is stale and
skipped when the bucket is emptied, so re-arming never searches the heap.
Owned by the engine loop's thread; the snapshot reads the due times through
:meth:`DueQueue.next_due` on that thread too.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta


class DueQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, list[str]]] = []
        self._next_due: dict[str, datetime | None] = {}
        self._seq = itertools.count()
        self._last: tuple[datetime, int, list[str]] | None = None
        """The bucket armed last, while it is still in the heap: the next job due then joins it."""

    def next_due(self, name: str) -> datetime | None:
        return self._next_due.get(name)

    def arm(self, name: str, due: datetime | None) -> None:
        """Set the job's next due time (None: no more runs)."""
        self._next_due[name] = due
        if due is None:
            return
        last = self._last
        if last is not None and last[0] == due:
            last[2].append(name)
            return
        bucket = (due, next(self._seq), [name])
        heapq.heappush(self._heap, bucket)
        self._last = bucket

    def earliest(self) -> datetime | None:
        heap = self._heap
        next_due = self._next_due
        while heap:
            due, _, names = heap[0]
            if any(next_due.get(name) == due for name in names):
                return due
            self._pop_bucket()
        return None

    def earliest_size(self) -> int:
        """How many jobs the earliest bucket holds (stale names included: an upper bound)."""
        return len(self._heap[0][2]) if self.earliest() is not None else 0

    def earliest_is_due(self, now: datetime) -> bool:
        earliest = self.earliest()
        return earliest is not None and earliest <= now

    def pop_due(self, now: datetime) -> Iterator[tuple[str, datetime]]:
        """Each job due at ``now`` with its due time, earliest first, disarmed until re-armed.

        Lazy, so it costs nothing for jobs not reached; a job re-armed during the iteration
        at a time still due comes out again.
        """
        heap = self._heap
        next_due = self._next_due
        while heap and heap[0][0] <= now:
            when, _, names = self._pop_bucket()
            for name in names:
                if next_due.get(name) == when:
                    next_due[name] = None
                    yield name, when

    def _pop_bucket(self) -> tuple[datetime, int, list[str]]:
        bucket = heapq.heappop(self._heap)
        if bucket is self._last:
            self._last = None
        return bucket

    def clear(self) -> None:
        """Disarm every job (shutdown)."""
        self._heap.clear()
        self._last = None
        for name in self._next_due:
            self._next_due[name] = None

    def shift(self, names: Iterable[str], delta: timedelta) -> None:
        """Move these jobs' due times by ``delta`` (after a wall-clock step), in one heap rebuild."""
        next_due = self._next_due
        for name in set(names):
            due = next_due.get(name)
            if due is not None:
                next_due[name] = due + delta
        self._heap = []
        self._last = None
        for name, due in sorted(
            ((name, due) for name, due in next_due.items() if due is not None), key=lambda item: item[1]
        ):
            self.arm(name, due)

    def names_where(self, keep: Callable[[str], bool]) -> list[str]:
        return [name for name in self._next_due if keep(name)]
