"""Time for the engine, injected so that tests control it instead of sleeping.

Two readings: :meth:`Clock.now` is the wall clock, for *when* things are due
(schedules are wall-clock by nature); :meth:`Clock.monotonic` is for *how
long* (a run's timeout, the grace before SIGTERM, the loop's sleeps), so a
wall-clock step (NTP, an operator's ``date -s``) neither fires a timeout early
nor stalls the loop. Every wait the engine makes goes through :meth:`Clock.wait`.

:class:`SystemClock` is the real thing. :class:`ManualClock` moves only when a
test calls :meth:`ManualClock.advance` (both readings) or
:meth:`ManualClock.step_wall` (the wall clock alone, as a step would).
"""

from __future__ import annotations

import threading
import time
import weakref
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    real_time: bool
    """Whether the clock moves by itself and waits end on time (the engine may then wake a
    moment ahead of a large batch to prepare it; a test's clock moves only when told)."""

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps; only differences mean anything."""
        ...

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        """Wait on ``condition`` (held by the caller) until notified or ``timeout`` monotonic seconds pass.

        May return early; callers re-check what they wait for.
        """
        ...


class SystemClock:
    """The machine's clocks; waits use the condition's own timeout."""

    real_time = True

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is None:
            condition.wait()
        elif timeout > 0:
            condition.wait(timeout)


class ManualClock:
    """A clock that stands still until a test moves it.

    Waiters are woken on every move, so a loop sleeping on this clock reacts to
    the new time at once; nothing waits in real time.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(timezone.utc)
        self._monotonic = 1000.0
        self._lock = threading.Lock()
        self._conditions: weakref.WeakSet[threading.Condition] = weakref.WeakSet()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is not None and timeout <= 0:
            return
        with self._lock:
            self._conditions.add(condition)
        # advance() notifies under the condition, which the caller holds until wait() releases it:
        # no move between here and the wait goes unseen.
        condition.wait()

    def advance(self, delta: timedelta | float) -> datetime:
        """Let ``delta`` (seconds or a timedelta) pass on both readings, and wake waiters."""
        step = _seconds(delta)
        with self._lock:
            self._now += timedelta(seconds=step)
            self._monotonic += step
            now = self._now
        self._wake()
        return now

    def step_wall(self, delta: timedelta | float) -> datetime:
        """Step the wall clock alone by ``delta`` (negative: back), as NTP or ``date -s`` does; wake waiters."""
        with self._lock:
            self._now += timedelta(seconds=_seconds(delta))
            now = self._now
        self._wake()
        return now

    def _wake(self) -> None:
        with self._lock:
            conditions = list(self._conditions)
        for condition in conditions:
            with condition:
                condition.notify_all()


def _seconds(delta: timedelta | float) -> float:
    return delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
