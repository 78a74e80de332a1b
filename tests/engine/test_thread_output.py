"""What capturing thread runs' output puts in place while a scheduler runs, and takes away after."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest
import schedule

from tests.engine import jobs_for_tests


def test_the_application_gets_its_stdout_and_root_handlers_back_after_shutdown(make_scheduler) -> None:
    stdout, handlers = sys.stdout, list(logging.getLogger().handlers)
    scheduler = make_scheduler()
    scheduler.register("quiet", jobs_for_tests.return_none, schedule.every().day.at("03:00"))
    scheduler.start()
    assert sys.stdout is not stdout
    scheduler.shutdown()
    assert sys.stdout is stdout and logging.getLogger().handlers == handlers


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_application_that_never_configured_logging_still_sees_warnings_on_stderr(database_url: str) -> None:
    """Python prints a warning no handler takes to stderr; the scheduler's own handler must not stop that."""
    script = textwrap.dedent(f"""
        import logging, schedule
        from jobconsole import JobScheduler

        def job(stop_event):
            logging.getLogger("app.job").warning("warned by the job")

        scheduler = JobScheduler(database_url={database_url!r}, notifiers=[])
        scheduler.register("job", job, schedule.every().day.at("03:00"))
        scheduler.start()
        logging.getLogger("app").warning("warned by the application")
        run_id = scheduler.run_job("job").run_id
        scheduler.wait_for_run(run_id, 20)
        scheduler.flush()
        print(repr(scheduler.run_detail(run_id).output))
        scheduler.shutdown()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert "warned by the application" in done.stderr and "warned by the job" in done.stderr
    assert "WARNING app.job: warned by the job" in done.stdout
