"""A jobs module for the CLI tests: two long runs (a thread and a process) start a second after launch."""

from __future__ import annotations

import os
from pathlib import Path

import schedule

from jobconsole import JobResult, JobScheduler


def wait_for_stop(stop_event) -> JobResult:
    pid_dir = os.environ.get("JOBCONSOLE_TEST_PID_DIR")
    if pid_dir:
        Path(pid_dir, f"{os.getpid()}.pid").touch()
    stopped = stop_event.wait(600)
    return JobResult(success=not stopped, error="Job stopped" if stopped else None)


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("long_thread", wait_for_stop, schedule.every(1).seconds, timeout_minutes=30)
    scheduler.register("long_process", wait_for_stop, schedule.every(1).seconds, run_in_process=True,
                       timeout_minutes=30)
