"""The sample jobs on production schedules.

Absolute times only (a day and a time, or a minute past the hour), as the
original documentation advises: they mean the same after a restart, whereas
"every 2 weeks" would restart its count. The CPU-bound scrape runs in its own
process, at night, before the jobs that read what it stored.
"""

from __future__ import annotations

import schedule

from jobconsole import JobScheduler
from sample_jobs.alerts import send_smart_alerts
from sample_jobs.embeddings import clean_up_embeddings
from sample_jobs.newsletter import send_weekly_newsletter
from sample_jobs.partner_feed import sync_partner_feed
from sample_jobs.scrape import scrape_mep_meetings


def setup_scheduled_jobs(scheduler: JobScheduler) -> None:
    scheduler.register(
        name="scrape_mep_meetings",
        func=scrape_mep_meetings,
        job_schedule=schedule.every().day.at("02:00"),
        run_in_process=True,
        timeout_minutes=30,
    )
    scheduler.register(
        name="sync_partner_feed",
        func=sync_partner_feed,
        job_schedule=schedule.every().day.at("04:30"),
        timeout_minutes=10,
    )
    scheduler.register(
        name="send_smart_alerts",
        func=send_smart_alerts,
        job_schedule=schedule.every().hour.at(":15"),
        timeout_minutes=20,
    )
    scheduler.register(
        name="send_weekly_newsletter",
        func=send_weekly_newsletter,
        job_schedule=schedule.every().monday.at("07:00"),
        timeout_minutes=15,
    )
    # Sunday night, when the app is quiet: the sweep pauses between batches and may take an hour or two.
    scheduler.register(
        name="clean_up_embeddings",
        func=clean_up_embeddings,
        job_schedule=schedule.every().sunday.at("03:00"),
        timeout_minutes=120,
    )
