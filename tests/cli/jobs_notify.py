"""A jobs module for the config file tests: one job fails, another (a process run) reports a failure itself
through notify_job_failure, both every second."""

from __future__ import annotations

import schedule

from jobconsole import JobResult, JobScheduler, notify_job_failure


def breaks(stop_event) -> JobResult:
    raise RuntimeError("disk full")


def reports_itself(stop_event) -> JobResult:
    notify_job_failure("partner_feed_check", "the partner feed is 3 days old")
    return JobResult(success=True)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("breaks", breaks, schedule.every(1).seconds, timeout_minutes=1)
    scheduler.register("reports_itself", reports_itself, schedule.every(1).seconds, run_in_process=True,
                       timeout_minutes=1)
