"""The complex job: match stored meetings against saved alert subscriptions and send the alerts.

Steps: load the subscriptions, validate each one, find the meetings it has
not been alerted about, match them against its keywords (and committees),
deliver one alert email per subscription with matches, and log what was
sent so no meeting is alerted twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import MessageError
from email.headerregistry import Address
from functools import cached_property
from pathlib import Path

from jobconsole.result import JobResult
from sample_jobs.events import StopEvent
from sample_jobs.outbox import compose, deliver_to_outbox
from sample_jobs.settings import DemoSettings, bundled_data
from sample_jobs.site import Meeting
from sample_jobs.store import DemoStore

SENDER = "MEP Watch alerts <alerts@mepwatch.example>"


class SubscriptionError(ValueError):
    """A subscription that cannot be served as written; the message names it and the problem."""


@dataclass(frozen=True)
class Subscription:
    id: str
    email: str
    name: str
    keywords: tuple[str, ...]
    committees: frozenset[str]
    """Only meetings of these committees match; empty means any committee."""

    def matches(self, meeting: Meeting) -> bool:
        if self.committees and meeting.committee not in self.committees:
            return False
        return self._pattern.search(f"{meeting.title} {meeting.organisation}") is not None

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        words = "|".join(re.escape(keyword) for keyword in self.keywords)
        return re.compile(rf"\b(?:{words})\b", re.IGNORECASE)


def parse_subscription(entry: object, position: int) -> Subscription:
    """Validate one entry of the subscriptions file (``position`` counts from 1)."""
    if not isinstance(entry, dict):
        raise SubscriptionError(f"entry {position}: expected an object, got {type(entry).__name__}")
    subscription_id = entry.get("id")
    if not isinstance(subscription_id, str) or not subscription_id.strip():
        raise SubscriptionError(f"entry {position}: 'id' is missing; give every subscription a unique id")
    where = f"{subscription_id} (entry {position})"
    email = entry.get("email")
    if not isinstance(email, str):
        raise SubscriptionError(f"{where}: 'email' is missing")
    try:
        Address(addr_spec=email)
    except (ValueError, MessageError):
        raise SubscriptionError(f"{where}: email {email!r} is not a valid address") from None
    keywords = entry.get("keywords")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise SubscriptionError(f"{where}: 'keywords' must be a non-empty list of words; got {keywords!r}")
    committees = entry.get("committees", [])
    if not isinstance(committees, list) or not all(isinstance(c, str) for c in committees):
        raise SubscriptionError(f"{where}: 'committees' must be a list of committee codes; got {committees!r}")
    name = entry.get("name")
    return Subscription(
        id=subscription_id,
        email=email,
        name=name if isinstance(name, str) else "",
        keywords=tuple(k.strip() for k in keywords),
        committees=frozenset(committees),
    )


def load_subscription_entries(path: Path | None) -> list[object]:
    """The raw entries of the subscriptions file; the bundled file when ``path`` is None."""
    source = bundled_data("alert_subscriptions.json") if path is None else path
    entries = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise SubscriptionError(f"{source}: expected a JSON list of subscriptions, got {type(entries).__name__}")
    return entries


def send_smart_alerts(stop_event: StopEvent) -> JobResult:
    """Send each subscriber the new meetings that match their keywords.

    One broken subscription never holds up the others: every well-formed one
    is served. But if any subscription could not be served (malformed, or its
    alert could not be delivered) the run is reported failed, because that
    subscriber is silently missing alerts until someone fixes the entry, and
    a failed run is what reaches the on-call notifiers. The error is one line
    naming how many of N failed and each one's problem; ``message`` still
    says what was sent. When every subscription is served the run succeeds
    with that summary.

    ``lines_processed`` is the number of subscriptions read, ``lines_added``
    the number of alert emails sent.
    """
    settings = DemoSettings.from_env()
    entries = load_subscription_entries(settings.alert_subscriptions)
    failures: list[str] = []
    alerts = alerted_meetings = 0
    with DemoStore.open(settings.database_path) as store:
        for position, entry in enumerate(entries, start=1):
            if stop_event.is_set():
                return JobResult(
                    success=False,
                    error=f"stopped after {position - 1} of {len(entries)} subscriptions",
                    lines_processed=position - 1,
                    lines_added=alerts,
                )
            try:
                subscription = parse_subscription(entry, position)
            except SubscriptionError as error:
                failures.append(str(error))
                continue
            matched = [m for m in store.meetings_not_alerted(subscription.id) if subscription.matches(m)]
            if not matched:
                continue
            try:
                _deliver(subscription, matched, settings)
            except OSError as error:
                failures.append(f"{subscription.id}: could not deliver the alert: {error}")
                continue
            store.record_alerts(subscription.id, [m.meeting_id for m in matched])
            alerts += 1
            alerted_meetings += len(matched)

    sent = f"sent {alerts} alerts covering {alerted_meetings} meetings"
    if failures:
        return JobResult(
            success=False,
            error=f"{len(failures)} of {len(entries)} subscriptions failed: " + "; ".join(failures),
            lines_processed=len(entries),
            lines_added=alerts,
            message=f"{sent}; {len(entries) - len(failures)} of {len(entries)} subscriptions served",
        )
    return JobResult(
        success=True,
        lines_processed=len(entries),
        lines_added=alerts,
        message=f"{sent}; all {len(entries)} subscriptions served",
    )


def render_alert(subscription: Subscription, meetings: Sequence[Meeting]) -> tuple[str, str]:
    """The subject and plain-text body of one alert."""
    keywords = ", ".join(subscription.keywords)
    plural = "meeting" if len(meetings) == 1 else "meetings"
    subject = f"MEP Watch alert: {len(meetings)} new {plural} on {keywords}"
    greeting = f"Hello {subscription.name}," if subscription.name else "Hello,"
    lines = [greeting, "", f"New declared meetings matching your alert ({keywords}):", ""]
    lines += [
        f"  - {m.day:%d %b %Y} · {m.mep_name}: {m.title}, with {m.organisation} ({m.committee}, {m.location})"
        for m in meetings
    ]
    lines += ["", f"Alert {subscription.id} · MEP Watch"]
    return subject, "\n".join(lines) + "\n"


def _deliver(subscription: Subscription, meetings: Sequence[Meeting], settings: DemoSettings) -> None:
    subject, body = render_alert(subscription, meetings)
    recipient = Address(display_name=subscription.name, addr_spec=subscription.email)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    message = compose(SENDER, recipient, subject, body)
    deliver_to_outbox(message, settings.outbox_dir, f"alert-{stamp}-{subscription.id}")
