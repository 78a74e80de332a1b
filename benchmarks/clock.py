"""A real-time clock that can stand still while jobs are registered, to put them on one grid."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from jobconsole.engine import SystemClock


class FreezableClock(SystemClock):
    """Wall-clock time, except that :meth:`freeze` makes :meth:`now` return one instant.

    jobconsole's interval jobs first run one interval after the instant they are
    armed; freezing ``now`` at ``T0 - interval`` while the scheduler arms them
    makes every job's first run fall on ``T0``. Waits always use real time, so
    the engine loop never oversleeps because of a freeze.
    """

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def freeze(self, at: datetime) -> None:
        self._frozen = at

    def thaw(self) -> None:
        self._frozen = None

    def now(self) -> datetime:
        frozen = self._frozen
        return frozen if frozen is not None else datetime.now(UTC)

    def monotonic(self) -> float:
        """Read from :meth:`now`, so a freeze and a thaw never look like a wall-clock step to the engine."""
        return self.now().timestamp()

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is None:
            condition.wait()
        elif timeout > 0:
            condition.wait(timeout)
