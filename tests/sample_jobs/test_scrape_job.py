from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from sample_jobs.parsing import MeetingPageError, parse_meeting_page
from sample_jobs.scrape import scrape_mep_meetings
from sample_jobs.settings import SITE_SEED, DemoSettings
from sample_jobs.site import Meeting, generate_site
from sample_jobs.store import DemoStore
from tests.sample_jobs.support import PAGES, run_and_send, site_meetings


def stored_meetings(settings: DemoSettings) -> list[Meeting]:
    with DemoStore.open(settings.database_path) as store:
        return store.all_meetings()


def test_scrape_stores_every_meeting_on_the_pages(demo_settings: DemoSettings) -> None:
    truth = site_meetings()

    result = scrape_mep_meetings(threading.Event())

    assert result.success, result.error
    assert result.lines_processed == len(truth)
    assert result.lines_added == len(truth)
    # Field for field, including names with diacritics and organisations with "&" (entities on the page).
    assert stored_meetings(demo_settings) == sorted(truth, key=lambda m: m.meeting_id)


def test_a_second_scrape_parses_everything_again_and_adds_nothing(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())

    again = scrape_mep_meetings(threading.Event())

    assert again.success, again.error
    assert again.lines_processed == len(site_meetings())
    assert again.lines_added == 0
    assert len(stored_meetings(demo_settings)) == len(site_meetings())


def test_a_scrape_stopped_before_it_starts_reports_it_and_stores_nothing(demo_settings: DemoSettings) -> None:
    stop = threading.Event()
    stop.set()

    result = scrape_mep_meetings(stop)

    assert not result.success
    assert result.error == f"stopped after 0 of {PAGES} pages"
    assert stored_meetings(demo_settings) == []


def test_scrape_runs_in_a_spawned_process(demo_settings: DemoSettings) -> None:
    # spawn: the child re-imports everything and gets the job by reference, as a process run does.
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=run_and_send, args=(scrape_mep_meetings, stop, sender))
    child.start()
    sender.close()
    try:
        assert receiver.poll(60), "the child sent no result within 60 s"
        result = receiver.recv()
    finally:
        child.join(10)
    assert child.exitcode == 0
    assert child.pid != os.getpid()
    assert result.success, result.error
    assert result.lines_processed == result.lines_added == len(site_meetings())
    # The child wrote to the same demo directory, which it found through the inherited environment.
    assert len(stored_meetings(demo_settings)) == len(site_meetings())


def test_pages_without_meetings_parse_to_nothing() -> None:
    empty = [page for page in generate_site(SITE_SEED, PAGES) if not page.meetings]
    assert empty, "the generated site should include MEPs without meetings"
    assert all(parse_meeting_page(page.url, page.html) == [] for page in empty)


def test_a_page_whose_layout_changed_is_reported_with_its_address() -> None:
    page = next(page for page in generate_site(SITE_SEED, PAGES) if page.meetings)
    meeting = page.meetings[0]
    broken = page.html.replace(f'datetime="{meeting.day.isoformat()}"', 'datetime="next tuesday"', 1)

    with pytest.raises(MeetingPageError, match=f"{page.url}: meeting {meeting.meeting_id} has date 'next tuesday'"):
        parse_meeting_page(page.url, broken)
