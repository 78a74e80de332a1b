"""A jobs module whose job function takes no stop_event: refused when registered, not at every run."""

import schedule

from jobconsole import JobScheduler


def tidy_up() -> None:
    return None


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tidy_up", tidy_up, job_schedule=schedule.every().hour)
