"""The sample jobs registered the way the original system's documentation wrote it.

A no-argument ``setup_scheduled_jobs()`` that registers on the module-level
``scheduler``: apps written against the original system keep working
unchanged. ``jobconsole --jobs sample_jobs.original_style`` loads it.
"""

import schedule

from jobconsole import scheduler
from sample_jobs.alerts import send_smart_alerts
from sample_jobs.embeddings import clean_up_embeddings
from sample_jobs.newsletter import send_weekly_newsletter
from sample_jobs.scrape import scrape_mep_meetings


def setup_scheduled_jobs() -> None:
    scheduler.register(
        name="send_weekly_newsletter",
        func=send_weekly_newsletter,
        job_schedule=schedule.every().monday.at("07:00"),
    )
    scheduler.register(
        name="scrape_mep_meetings",
        func=scrape_mep_meetings,
        job_schedule=schedule.every().monday.at("02:00"),
        run_in_process=True,
        timeout_minutes=30,
    )
    scheduler.register(
        name="send_smart_alerts",
        func=send_smart_alerts,
        job_schedule=schedule.every().day.at("06:30"),
    )
    scheduler.register(
        name="clean_up_embeddings",
        func=clean_up_embeddings,
        job_schedule=schedule.every().day.at("03:00"),
        timeout_minutes=60,
    )
