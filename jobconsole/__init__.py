"""jobconsole: a job scheduler for Python applications, and the console to steer it.

Register jobs on a :class:`JobScheduler` (or on the module-level ``scheduler``)::

    import schedule
    from jobconsole import scheduler, JobResult

    def my_job(stop_event) -> JobResult:
        ...
        return JobResult(success=True, lines_added=10)

    def setup_scheduled_jobs():
        scheduler.register("my_job", my_job, job_schedule=schedule.every().day.at("03:00"))
"""

__version__ = "0.1.0"

from jobconsole.engine.scheduler import JobScheduler  # noqa: E402
from jobconsole.notify import notify_job_failure
from jobconsole.result import JobResult, ScraperResult
from jobconsole.runs import RunStatus

scheduler: JobScheduler = JobScheduler()
"""The default scheduler, for jobs modules written in the original style."""

__all__ = ["__version__", "JobResult", "JobScheduler", "RunStatus", "ScraperResult", "notify_job_failure", "scheduler"]
