from __future__ import annotations

import json
import threading
from datetime import timedelta
from html import escape

import pytest

from sample_jobs.newsletter import send_weekly_newsletter
from sample_jobs.scrape import scrape_mep_meetings
from sample_jobs.settings import DemoSettings, bundled_data
from tests.sample_jobs.support import Inbox, plain_text, read_outbox, site_meetings


def newest_week() -> tuple[int, int, list]:
    """(ISO year, ISO week, meetings) of the week of the newest meeting on the site."""
    truth = site_meetings()
    newest = max(m.day for m in truth)
    monday = newest - timedelta(days=newest.weekday())
    year, week, _ = monday.isocalendar()
    return year, week, [m for m in truth if monday <= m.day <= monday + timedelta(days=6)]


def subscriber_addresses() -> set[str]:
    return {entry["email"] for entry in json.loads(bundled_data("newsletter_subscribers.json").read_text("utf-8"))}


def test_newsletter_writes_one_eml_per_subscriber_with_the_weeks_meetings(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())
    year, week, meetings = newest_week()

    result = send_weekly_newsletter(threading.Event())

    assert result.success, result.error
    assert result.lines_processed == len(meetings)
    delivered = read_outbox(demo_settings.outbox_dir)
    assert {message["To"].addresses[0].addr_spec for message in delivered.values()} == subscriber_addresses()
    assert len(delivered) == len(subscriber_addresses())
    for message in delivered.values():
        assert message["Subject"].startswith(f"MEP meetings, week {week} of {year}: ")
        assert message["Subject"].endswith(f"({len(meetings)} meetings)")
        text, html = plain_text(message), message.get_body(("html",))
        assert html is not None, "the newsletter has no HTML part"
        for meeting in meetings:
            assert f"{meeting.mep_name}: {meeting.title}, with {meeting.organisation}" in text
            assert escape(meeting.organisation) in html.get_content()


def test_an_issue_is_delivered_once(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())
    send_weekly_newsletter(threading.Event())
    first = {name: message["Message-ID"] for name, message in read_outbox(demo_settings.outbox_dir).items()}

    again = send_weekly_newsletter(threading.Event())

    assert again.success, again.error
    assert "already sent" in (again.message or "")
    assert {name: message["Message-ID"] for name, message in read_outbox(demo_settings.outbox_dir).items()} == first


def test_without_meetings_there_is_no_issue(demo_settings: DemoSettings) -> None:
    result = send_weekly_newsletter(threading.Event())

    assert result.success, result.error
    assert "no meetings stored yet" in (result.message or "")
    assert read_outbox(demo_settings.outbox_dir) == {}


def test_with_smtp_configured_the_newsletter_goes_through_the_server(
    demo_settings: DemoSettings, smtp_inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp_inbox
    for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "SECURITY": "none", "TO": "desk@example.org"}.items():
        monkeypatch.setenv(f"JOBCONSOLE_SMTP_{name}", value)
    scrape_mep_meetings(threading.Event())
    year, week, meetings = newest_week()

    result = send_weekly_newsletter(threading.Event())

    assert result.success, result.error
    recipients, message = inbox.messages.get(timeout=10)
    assert recipients == ("desk@example.org",)
    assert message["Subject"].startswith(f"MEP meetings, week {week} of {year}: ")
    assert all(f"{m.mep_name}: {m.title}" in plain_text(message) for m in meetings)
    assert read_outbox(demo_settings.outbox_dir) == {}
