"""jobconsole: a job scheduler for Python applications, and the console to steer it.

Register jobs on a :class:`JobScheduler` (or on the module-level ``scheduler``)::

    import schedule
    from jobconsole import scheduler, JobResult

    def my_job(stop_event) -> JobResult:
        ...
        return JobResult(success=True, lines_added=10)

    def setup_scheduled_jobs():
        scheduler.register("my_job", my_job, job_schedule=schedule.every().day.at("03:00"))
        scheduler.register("often", my_job, job_schedule="*/5 * * * *")

The names below are imported on first use, so that the ``jobconsole`` command
can set up the interpreter (see :mod:`jobconsole.cli`) before the engine, the
store and SQLAlchemy are loaded.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from jobconsole.engine.cron import cron
    from jobconsole.engine.scheduler import JobScheduler
    from jobconsole.notify import notify_job_failure
    from jobconsole.result import JobResult, ScraperResult
    from jobconsole.runs import RunStatus

    scheduler: JobScheduler
    """The default scheduler, for jobs modules written in the original style."""

__all__ = [
    "__version__", "JobResult", "JobScheduler", "RunStatus", "ScraperResult", "cron", "notify_job_failure", "scheduler",
]

_HOMES = {
    "JobScheduler": "jobconsole.engine.scheduler",
    "cron": "jobconsole.engine.cron",
    "notify_job_failure": "jobconsole.notify",
    "JobResult": "jobconsole.result",
    "ScraperResult": "jobconsole.result",
    "RunStatus": "jobconsole.runs",
}
_default_scheduler_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    if name == "scheduler":
        with _default_scheduler_lock:
            if "scheduler" not in globals():
                globals()["scheduler"] = __getattr__("JobScheduler")()
        return globals()["scheduler"]
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'jobconsole' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
