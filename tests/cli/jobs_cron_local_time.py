"""A jobs module with a cron job in the machine's local time zone (no tz given)."""

from jobconsole import JobScheduler


def tidy_up(stop_event) -> None:
    return None


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tidy_up", tidy_up, job_schedule="0 3 * * *")
