"""A jobs module for the metrics tests: one job that succeeds, one that fails, one that takes 0.2 s, each
every second, and one that never comes due within a test."""

from __future__ import annotations

import time

import schedule

from jobconsole import JobResult, JobScheduler


def tick(stop_event) -> JobResult:
    return JobResult(success=True)


def flaky(stop_event) -> JobResult:
    return JobResult(success=False, error="partner feed answered 503")


def slow(stop_event) -> JobResult:
    time.sleep(0.2)
    return JobResult(success=True)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tick", tick, schedule.every(1).seconds, timeout_minutes=1)
    scheduler.register("flaky", flaky, schedule.every(1).seconds, timeout_minutes=1)
    scheduler.register("slow", slow, schedule.every(1).seconds, timeout_minutes=1)
    scheduler.register("nightly", tick, schedule.every().day.at("03:00"))
