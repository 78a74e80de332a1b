"""A jobs module for the failover tests: jobs due every second whose bodies leave a line per run.

The line (``job pid time``) goes to the file named by JOBCONSOLE_TEST_TICKS, appended in one write, so a
test can count the bodies that really ran and hold them against the rows the schedulers made. ``tick``
is always there; JOBCONSOLE_TEST_TOCK=1 adds ``tock``, on its own grid.
"""

from __future__ import annotations

import functools
import os
import time

import schedule

from jobconsole import JobResult, JobScheduler


def tick(stop_event, job: str = "tick") -> JobResult:
    fd = os.open(os.environ["JOBCONSOLE_TEST_TICKS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{job} {os.getpid()} {time.time():.6f}\n".encode())
    finally:
        os.close(fd)
    return JobResult(success=True)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tick", tick, schedule.every(1).seconds, timeout_minutes=1)
    if os.environ.get("JOBCONSOLE_TEST_TOCK"):
        scheduler.register("tock", functools.partial(tick, job="tock"), schedule.every(1).seconds, timeout_minutes=1)
