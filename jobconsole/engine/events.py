"""What the engine tells its listeners (the headless log, tests, the console)."""

from __future__ import annotations

from dataclasses import dataclass

from jobconsole.runs import RunRecord


@dataclass(frozen=True)
class RunStarted:
    record: RunRecord


@dataclass(frozen=True)
class RunFinished:
    """A run ended; ``record`` is its final row (also for skipped and abandoned runs)."""

    record: RunRecord


@dataclass(frozen=True)
class RunTimedOut:
    """A run passed its deadline; its stop_event is now set."""

    record: RunRecord


RunEvent = RunStarted | RunFinished | RunTimedOut
