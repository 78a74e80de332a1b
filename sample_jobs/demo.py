"""The demo jobs: seconds-scale schedules, so a newcomer sees every outcome within a minute.

Interval jobs first run one interval after start, so from ``jobconsole``'s start:

====  ======================  ===========================================================
 10s  send_weekly_newsletter  succeeds (until the scrape has run: "no meetings stored yet")
 15s  send_smart_alerts       fails without a traceback: 3 of 12 subscriptions malformed
 20s  scrape_mep_meetings     a process job; succeeds with lines added and processed
 25s  sync_partner_feed       raises: a failure with a multi-frame traceback
 30s  clean_up_embeddings     sweeps ~16 s against a 12 s timeout: timed out by 42 s
====  ======================  ===========================================================

All but clean_up_embeddings finish in well under a second. For screenshots
and benchmarks that want only fast jobs, set ``JOBCONSOLE_DEMO_BATCH_DELAY=0``
(the sweep then takes a fraction of a second and succeeds), or register a
subset of :data:`JOBS`, or copies with other intervals
(``dataclasses.replace(job, every_seconds=1)``), with :func:`register`.
The sample app's data lives in ``JOBCONSOLE_DEMO_DIR`` (default ``./demo-data``);
see :mod:`sample_jobs.settings` for the other knobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import schedule

from jobconsole import JobScheduler
from jobconsole.result import JobResult
from sample_jobs.alerts import send_smart_alerts
from sample_jobs.embeddings import clean_up_embeddings
from sample_jobs.events import StopEvent
from sample_jobs.newsletter import send_weekly_newsletter
from sample_jobs.partner_feed import sync_partner_feed
from sample_jobs.scrape import scrape_mep_meetings

DEMO_JOBS = True
"""Tells the CLI and the console to label this jobs module as demo jobs."""


@dataclass(frozen=True)
class DemoJob:
    name: str
    func: Callable[[StopEvent], JobResult | None]
    every_seconds: int
    run_in_process: bool = False
    timeout_minutes: float = 1.0


JOBS: tuple[DemoJob, ...] = (
    DemoJob("send_weekly_newsletter", send_weekly_newsletter, every_seconds=10),
    DemoJob("send_smart_alerts", send_smart_alerts, every_seconds=15),
    DemoJob("scrape_mep_meetings", scrape_mep_meetings, every_seconds=20, run_in_process=True),
    DemoJob("sync_partner_feed", sync_partner_feed, every_seconds=25),
    # 0.2 minutes is 12 s: shorter than the sweep (80 batches with 0.2 s pauses), so every run times out.
    DemoJob("clean_up_embeddings", clean_up_embeddings, every_seconds=30, timeout_minutes=0.2),
)


def register(scheduler: JobScheduler, jobs: Iterable[DemoJob]) -> None:
    for job in jobs:
        scheduler.register(
            name=job.name,
            func=job.func,
            job_schedule=schedule.every(job.every_seconds).seconds,
            run_in_process=job.run_in_process,
            timeout_minutes=job.timeout_minutes,
        )


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    register(scheduler, JOBS)
