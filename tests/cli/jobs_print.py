"""A jobs module for the CLI tests: a thread job and a process job that print and log, every second."""

from __future__ import annotations

import logging
import os

import schedule

from jobconsole import JobScheduler


def talk(stop_event) -> None:
    print(f"printed by pid {os.getpid()}")
    logging.getLogger("tests.talk").warning("logged by the job")


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register("talk_in_thread", talk, schedule.every(1).seconds)
    scheduler.register("talk_in_process", talk, schedule.every(1).seconds, run_in_process=True)
