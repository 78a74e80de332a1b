"""100 jobs whose next runs are minutes away: ``jobconsole --no-ui`` with nothing to do."""

from __future__ import annotations

import schedule

from jobconsole import JobScheduler

JOBS = 100


def nothing(_stop_event: object) -> None:
    """Never runs during the measurement."""


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    for index in range(JOBS):
        scheduler.register(f"idle-{index:03d}", nothing, job_schedule=schedule.every(10 + index % 20).minutes)
