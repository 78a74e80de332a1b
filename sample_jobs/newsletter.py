"""The simple job: a weekly newsletter of the meetings MEPs declared.

The issue covers the ISO week of the newest stored meeting. Each issue is
sent once: a second run in the same week finds it in the store and does
nothing, so the job can be retried or run by hand without spamming anyone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.headerregistry import Address
from html import escape
from itertools import groupby

from jobconsole.notify.email import SmtpSettings, send_email
from jobconsole.result import JobResult
from sample_jobs.events import StopEvent
from sample_jobs.outbox import compose, deliver_to_outbox
from sample_jobs.settings import DemoSettings, bundled_data
from sample_jobs.site import Meeting
from sample_jobs.store import DemoStore

SENDER = "MEP Watch <newsletter@mepwatch.example>"


@dataclass(frozen=True)
class Subscriber:
    name: str
    email: str


@dataclass(frozen=True)
class Issue:
    """One week's newsletter."""

    monday: date

    @classmethod
    def of(cls, day: date) -> Issue:
        return cls(day - timedelta(days=day.weekday()))

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def key(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    def subject(self, meetings: int) -> str:
        """``MEP meetings, week 10 of 2025: 3–9 March 2025 (112 meetings)``."""
        year, week, _ = self.monday.isocalendar()
        return f"MEP meetings, week {week} of {year}: {_span(self.monday, self.sunday)} ({meetings} meetings)"


def send_weekly_newsletter(stop_event: StopEvent) -> JobResult:
    """Render this week's issue and deliver it once.

    Delivery goes to one ``.eml`` file per subscriber in the outbox, or, when
    ``JOBCONSOLE_SMTP_HOST`` is set, as one plain-text email through that
    server to ``JOBCONSOLE_SMTP_TO`` (the bundled subscribers are fictional).
    """
    settings = DemoSettings.from_env()
    with DemoStore.open(settings.database_path) as store:
        newest = store.newest_meeting_day()
        if newest is None:
            return JobResult(
                success=True,
                message="no meetings stored yet, so no issue to send (scrape_mep_meetings fills the store)",
            )
        issue = Issue.of(newest)
        if store.newsletter_sent(issue.key):
            return JobResult(
                success=True, lines_processed=0, message=f"issue {issue.key} was already sent; nothing to do"
            )
        meetings = store.meetings_between(issue.monday, issue.sunday)
        subject = issue.subject(len(meetings))
        smtp = SmtpSettings.from_env()
        if smtp is not None:
            send_email(smtp, subject, render_text(issue, meetings, greeting="Hello,"))
            store.record_newsletter(issue.key, len(smtp.recipients), f"smtp://{smtp.host}:{smtp.port}")
            return JobResult(
                success=True,
                lines_processed=len(meetings),
                message=(
                    f"issue {issue.key}: {len(meetings)} meetings sent through {smtp.host}"
                    f" to {len(smtp.recipients)} recipient(s)"
                ),
            )

        subscribers = load_subscribers()
        for delivered, subscriber in enumerate(subscribers):
            if stop_event.is_set():
                # Not recorded as sent: the next run delivers the whole issue again, and
                # each subscriber's file is replaced, not duplicated.
                return JobResult(
                    success=False,
                    error=f"stopped after delivering {issue.key} to {delivered} of {len(subscribers)} subscribers",
                    lines_processed=len(meetings),
                )
            greeting = f"Dear {subscriber.name},"
            message = compose(
                sender=SENDER,
                recipient=Address(display_name=subscriber.name, addr_spec=subscriber.email),
                subject=subject,
                text=render_text(issue, meetings, greeting),
                html=render_html(issue, meetings, greeting),
            )
            deliver_to_outbox(message, settings.outbox_dir, f"newsletter-{issue.key}-{subscriber.email}")
        store.record_newsletter(issue.key, len(subscribers), f"outbox {settings.outbox_dir}")
    return JobResult(
        success=True,
        lines_processed=len(meetings),
        message=(
            f"issue {issue.key}: {len(meetings)} meetings delivered to {len(subscribers)} subscribers"
            f" in {settings.outbox_dir}"
        ),
    )


def load_subscribers() -> list[Subscriber]:
    entries = json.loads(bundled_data("newsletter_subscribers.json").read_text(encoding="utf-8"))
    return [Subscriber(name=entry["name"], email=entry["email"]) for entry in entries]


def render_text(issue: Issue, meetings: Sequence[Meeting], greeting: str) -> str:
    lines = [greeting, "", f"These are the meetings MEPs declared for {_span(issue.monday, issue.sunday)}.", ""]
    for day, on_day in groupby(meetings, key=lambda m: m.day):
        lines.append(_day_heading(day))
        lines += [f"  - {m.mep_name}: {m.title}, with {m.organisation} ({m.committee}, {m.location})" for m in on_day]
        lines.append("")
    lines += [_summary(meetings), "", "MEP Watch · you receive this because you subscribed at mepwatch.example"]
    return "\n".join(lines) + "\n"


def render_html(issue: Issue, meetings: Sequence[Meeting], greeting: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(issue.subject(len(meetings)))}</title></head><body>",
        f"<p>{escape(greeting)}</p>",
        f"<p>These are the meetings MEPs declared for {escape(_span(issue.monday, issue.sunday))}.</p>",
    ]
    for day, on_day in groupby(meetings, key=lambda m: m.day):
        parts.append(f"<h2>{escape(_day_heading(day))}</h2><ul>")
        parts += [
            f"<li><strong>{escape(m.mep_name)}</strong>: {escape(m.title)}, with {escape(m.organisation)}"
            f" <small>({escape(m.committee)}, {escape(m.location)})</small></li>"
            for m in on_day
        ]
        parts.append("</ul>")
    parts += [f"<p>{escape(_summary(meetings))}</p>", "<p><small>MEP Watch</small></p></body></html>"]
    return "\n".join(parts) + "\n"


def _summary(meetings: Sequence[Meeting]) -> str:
    return f"{len(meetings)} meetings by {len({m.mep_id for m in meetings})} MEPs."


def _day_heading(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def _span(first: date, last: date) -> str:
    """``3–9 March 2025``, ``27 January – 2 February 2025``, ``29 December 2025 – 4 January 2026``."""
    if first.year != last.year:
        return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day}–{last.day} {last:%B %Y}"
