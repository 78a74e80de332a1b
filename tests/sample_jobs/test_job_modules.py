"""The jobs modules register on a real (not started) JobScheduler as the CLI would load them."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

import sample_jobs.demo
import sample_jobs.original_style
import sample_jobs.production
from jobconsole import JobScheduler
from jobconsole.runs import RunMode
from sample_jobs.settings import DemoSettings

JOB_NAMES = {"send_weekly_newsletter", "scrape_mep_meetings", "send_smart_alerts", "clean_up_embeddings"}


def registered(module: ModuleType) -> JobScheduler:
    scheduler = JobScheduler()
    module.setup_scheduled_jobs(scheduler)
    return scheduler


def test_the_demo_shows_every_outcome_within_a_minute() -> None:
    scheduler = registered(sample_jobs.demo)
    jobs = {job.name: job for job in scheduler.snapshot().jobs}

    assert sample_jobs.demo.DEMO_JOBS is True
    assert JOB_NAMES | {"sync_partner_feed"} == set(jobs)
    assert all(job.every_seconds <= 30 for job in sample_jobs.demo.JOBS), "every demo job first runs within 30 s"
    assert jobs["scrape_mep_meetings"].run_mode is RunMode.PROCESS
    # The timeout example must overrun its timeout with the default knobs, and be caught before the minute is up.
    defaults = DemoSettings.from_env({})
    sweep_seconds = (math.ceil(defaults.embedding_rows / defaults.batch_size) - 1) * defaults.batch_delay
    cleanup = next(job for job in sample_jobs.demo.JOBS if job.name == "clean_up_embeddings")
    assert jobs["clean_up_embeddings"].timeout_seconds < sweep_seconds
    assert cleanup.every_seconds + jobs["clean_up_embeddings"].timeout_seconds < 60


def test_production_schedules_use_absolute_times() -> None:
    jobs = registered(sample_jobs.production).snapshot().jobs

    assert JOB_NAMES <= {job.name for job in jobs}
    assert all(" at " in job.schedule for job in jobs), [job.schedule for job in jobs]


def test_the_original_style_registers_every_job(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its own scheduler in place of the process-wide jobconsole.scheduler, which other tests may also load.
    scheduler = JobScheduler()
    monkeypatch.setattr(sample_jobs.original_style, "scheduler", scheduler)

    sample_jobs.original_style.setup_scheduled_jobs()

    assert set(scheduler.job_names) == JOB_NAMES
