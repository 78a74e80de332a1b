"""The scheduling engine: dispatch, thread and process runs, timeouts, recording. No UI here."""

from jobconsole.engine.clock import Clock, ManualClock, SystemClock
from jobconsole.engine.events import RunEvent, RunFinished, RunStarted, RunTimedOut
from jobconsole.engine.scheduler import JobScheduler

__all__ = [
    "Clock",
    "JobScheduler",
    "ManualClock",
    "RunEvent",
    "RunFinished",
    "RunStarted",
    "RunTimedOut",
    "SystemClock",
]
