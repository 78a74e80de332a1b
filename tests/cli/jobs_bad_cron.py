"""A jobs module with a cron expression that has a minute 61: refused when registered, naming the job and the text."""

from jobconsole import JobScheduler


def tidy_up(stop_event) -> None:
    return None


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("tidy_up", tidy_up, job_schedule="61 * * * *")
