"""A jobs module for the failover tests: one job due every second whose body leaves a line per run.

The line (``pid time``) goes to the file named by JOBCONSOLE_TEST_TICKS, appended in one write, so a
test can count the bodies that really ran and hold them against the rows the schedulers made.
"""

from __future__ import annotations

import os
import time

import schedule

from jobconsole import JobResult, JobScheduler


def tick(stop_event) -> JobResult:
    fd = os.open(os.environ["JOBCONSOLE_TEST_TICKS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{os.getpid()} {time.time():.6f}\n".encode())
    finally:
        os.close(fd)
    return JobResult(success=True)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tick", tick, schedule.every(1).seconds, timeout_minutes=1)
