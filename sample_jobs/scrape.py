"""The process job: parse every MEP meetings page and store the meetings.

HTML parsing is CPU-bound and holds the GIL, so this job is registered with
``run_in_process=True``; it is a module-level function because a process
job is pickled by reference. It touches only its own store connection,
opened in whichever process runs it.
"""

from __future__ import annotations

from jobconsole.result import ScraperResult
from sample_jobs.events import StopEvent
from sample_jobs.parsing import parse_meeting_page
from sample_jobs.settings import SITE_SEED, DemoSettings
from sample_jobs.site import generate_site
from sample_jobs.store import DemoStore


def scrape_mep_meetings(stop_event: StopEvent) -> ScraperResult:
    """Parse the meetings pages and upsert their meetings.

    ``lines_processed`` is the number of meetings parsed, ``lines_added`` the
    number not stored before. Each page is stored as it is parsed, so a run
    stopped half-way keeps what it did and reports how far it got.
    """
    settings = DemoSettings.from_env()
    pages = generate_site(SITE_SEED, settings.pages)
    parsed = added = 0
    with DemoStore.open(settings.database_path) as store:
        for done, page in enumerate(pages):
            if stop_event.is_set():
                return ScraperResult(
                    success=False,
                    error=f"stopped after {done} of {len(pages)} pages",
                    lines_added=added,
                    lines_processed=parsed,
                )
            meetings = parse_meeting_page(page.url, page.html)
            added += store.upsert_meetings(meetings)
            parsed += len(meetings)
    return ScraperResult(
        success=True,
        lines_added=added,
        lines_processed=parsed,
        message=f"{parsed} meetings on {len(pages)} pages; {added} new",
    )
