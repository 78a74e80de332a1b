"""Time for the engine, injected so that tests control it instead of sleeping.

Every scheduling decision reads :meth:`Clock.now`, and the dispatcher sleeps
through :meth:`Clock.wait`. :class:`SystemClock` is the real thing;
:class:`ManualClock` only moves when a test calls :meth:`ManualClock.advance`.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def wait(self, condition: threading.Condition, deadline: datetime | None) -> None:
        """Wait on ``condition`` (held by the caller) until notified or ``deadline``."""
        ...


class SystemClock:
    """Wall-clock time; waits use the condition's own timeout."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def wait(self, condition: threading.Condition, deadline: datetime | None) -> None:
        if deadline is None:
            condition.wait()
            return
        delay = (deadline - self.now()).total_seconds()
        if delay > 0:
            condition.wait(delay)


class ManualClock:
    """A clock that stands still until :meth:`advance` moves it.

    Waiters are woken on every advance, so a dispatcher sleeping on this clock
    reacts to the new time at once.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()
        self._conditions: weakref.WeakSet[threading.Condition] = weakref.WeakSet()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def wait(self, condition: threading.Condition, deadline: datetime | None) -> None:
        with self._lock:
            self._conditions.add(condition)
            if deadline is not None and deadline <= self._now:
                return
        condition.wait()

    def advance(self, delta: timedelta | float) -> datetime:
        """Move time forward by ``delta`` (seconds or a timedelta) and wake waiters."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            now = self._now
            conditions = list(self._conditions)
        for condition in conditions:
            with condition:
                condition.notify_all()
        return now
