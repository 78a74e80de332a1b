"""A jobs module for the attach tests: ``tick`` runs every second; ``nightly`` only when an operator
triggers it (its schedule is 03:00), and then runs until it is asked to stop."""

from __future__ import annotations

import schedule

from jobconsole import JobResult, JobScheduler


def tick(stop_event) -> JobResult:
    return JobResult(success=True, message="tick")


def nightly(stop_event) -> JobResult:
    stopped = stop_event.wait(600)
    return JobResult(success=not stopped, error="Job stopped" if stopped else None)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tick", tick, schedule.every(1).seconds, timeout_minutes=1)
    scheduler.register("nightly", nightly, schedule.every().day.at("03:00"), timeout_minutes=30)
