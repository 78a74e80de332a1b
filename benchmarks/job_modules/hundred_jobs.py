"""100 short jobs, each every 10 s (a hundred runs every ten seconds), and ``nightly``, which runs
only when triggered and then until it is stopped: the leader of the attach benchmark."""

from __future__ import annotations

import schedule

from jobconsole import JobResult, JobScheduler


def short(stop_event) -> JobResult:
    return JobResult(success=True)


def nightly(stop_event) -> JobResult:
    stopped = stop_event.wait(600)
    return JobResult(success=not stopped, error="stopped" if stopped else None)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    for index in range(100):
        scheduler.register(f"job-{index:03d}", short, schedule.every(10).seconds, timeout_minutes=1)
    scheduler.register("nightly", nightly, schedule.every().day.at("03:00"), timeout_minutes=30)
