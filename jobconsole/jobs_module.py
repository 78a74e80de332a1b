"""Load the app's jobs module and let it register its jobs.

A jobs module defines ``setup_scheduled_jobs(scheduler)``, or, in the original
system's style, a no-argument ``setup_scheduled_jobs()`` that registers on
``from jobconsole import scheduler``. Both register on the same default
scheduler, which the CLI then runs.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import sys
from types import ModuleType

from jobconsole.config import DEMO_JOBS_MODULE
from jobconsole.engine import JobScheduler
from jobconsole.engine.outcome import describe_exception
from jobconsole.errors import UsageError

log = logging.getLogger("jobconsole")

__all__ = ["DEMO_JOBS_MODULE", "import_jobs_module", "load_jobs"]


def import_jobs_module(name: str) -> ModuleType:
    # Like `python -m`, look in the current directory first, so `--jobs app.jobs`
    # works from the app's checkout even though the console script lives elsewhere.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise UsageError(
                f"cannot import jobs module {name!r}: no module named {error.name!r} "
                "(check the name, and run from the app's directory or set PYTHONPATH)"
            ) from None
        log.debug("importing %s failed", name, exc_info=True)
        raise UsageError(f"jobs module {name!r} failed to import: {describe_exception(error)}") from None
    except Exception as error:
        log.debug("importing %s failed", name, exc_info=True)
        raise UsageError(f"jobs module {name!r} failed to import: {describe_exception(error)}") from None


def load_jobs(name: str, scheduler: JobScheduler) -> ModuleType:
    """Import ``name`` and run its ``setup_scheduled_jobs``; UsageError for every way that fails."""
    module = import_jobs_module(name)
    setup = getattr(module, "setup_scheduled_jobs", None)
    if not callable(setup):
        raise UsageError(
            f"jobs module {name!r} has no setup_scheduled_jobs function; "
            "define setup_scheduled_jobs(scheduler) that calls scheduler.register(...) (see README)"
        )
    try:
        takes_scheduler = bool(inspect.signature(setup).parameters)
    except (TypeError, ValueError):
        takes_scheduler = True
    try:
        if takes_scheduler:
            setup(scheduler)
        else:
            setup()
    except Exception as error:
        log.debug("setup_scheduled_jobs in %s raised", name, exc_info=True)
        raise UsageError(f"setup_scheduled_jobs() in {name!r} raised {describe_exception(error)}") from None
    return module
