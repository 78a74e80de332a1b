"""Three long runs that start a few seconds after import and tick in the console's Running pane.

Each job is due once, at the wall-clock second ``JOBCONSOLE_BENCH_TICK_DELAY``
seconds (default 4) after import (``every().day.at("HH:MM:SS")``), and then
waits on its stop_event for up
to an hour, so the console shows three runs in progress with their elapsed
time and timeout bars moving. The history is whatever the database holds.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import schedule

from jobconsole import JobScheduler

NAMES = ("tick-1", "tick-2", "tick-3")
START_DELAY = timedelta(seconds=float(os.environ.get("JOBCONSOLE_BENCH_TICK_DELAY", "4")))


def wait_for_stop(stop_event: object) -> None:
    stop_event.wait(3600)  # type: ignore[attr-defined]


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    at = (datetime.now() + START_DELAY).strftime("%H:%M:%S")
    for name in NAMES:
        scheduler.register(name, wait_for_stop, job_schedule=schedule.every().day.at(at), timeout_minutes=60)
