"""The jobs of the seeded history (``job-000`` … ``job-099``), next due in 10 minutes or more.

The console opened on the million-row history runs the engine with these, as an
operator's console would: it loads their recent outcomes at start, and nothing
runs (or writes) while the console is being measured.
"""

from __future__ import annotations

import schedule

from benchmarks.seed import JOBS, job_name
from jobconsole import JobScheduler


def nothing(_stop_event: object) -> None:
    """Never runs during the measurement."""


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    for index in range(JOBS):
        scheduler.register(job_name(index), nothing, job_schedule=schedule.every(10 + index % 50).minutes)
