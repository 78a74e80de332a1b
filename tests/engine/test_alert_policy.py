"""The alert policy, end to end on a ManualClock: a failing job's first failure, one reminder an hour, its
recovery, and a job gone too long without a success, as they reach a real SMTP server and a local webhook;
the policy's state across a restart and a standby's takeover, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole import JobResult
from jobconsole.engine import JobScheduler, ManualClock
from jobconsole.notify import EmailNotifier
from jobconsole.notify.notice import NoticeKind
from jobconsole.runs import RunStatus
from jobconsole.store import RunStore, open_store
from tests.engine.support import NoticeBox
from tests.support.smtp import LocalSmtpServer, Received
from tests.support.webhook import WebhookReceiver

START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


class Switch:
    """A job that fails while ``failing`` is set, as a flaky partner feed does."""

    def __init__(self, failing: bool = True) -> None:
        self.failing = failing

    def __call__(self, stop_event: object) -> JobResult:
        if self.failing:
            return JobResult(success=False, error="partner feed answered 503")
        return JobResult(success=True)


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


def minutes(scheduler: JobScheduler, clock: ManualClock, count: int) -> None:
    """Let ``count`` minutes pass, one at a time, each one's runs ended and recorded."""
    for _ in range(count):
        clock.advance(60)
        scheduler.settle(30)


def subject(message: Received) -> str:
    return str(message.message["Subject"]).strip()  # a long subject is folded before its first word


def test_a_failing_job_notifies_once_then_hourly_then_when_it_recovers(
    store: RunStore, smtp: LocalSmtpServer, webhook: WebhookReceiver
) -> None:
    clock = ManualClock(START)
    feed = Switch()
    scheduler = JobScheduler(
        store, clock=clock, notifiers=[EmailNotifier(smtp.settings())], notify_urls=[webhook.url()]
    )
    scheduler.register("feed", feed, schedule.every(1).minutes)
    scheduler.start()
    try:
        minutes(scheduler, clock, 1)  # 09:01, the first failure
        first = smtp.next_message()
        assert subject(first) == "[jobconsole] job feed failed (run 1)"
        assert "partner feed answered 503" in first.body
        posted = webhook.next_post()
        assert posted["title"] == "[jobconsole] job feed failed (run 1)"
        assert "partner feed answered 503" in posted["message"] and posted["type"] == "failure"

        minutes(scheduler, clock, 60)  # 59 more failures, then at 10:01 the 61st: an hour since the notice
        reminder = smtp.next_message()
        assert subject(reminder) == "[jobconsole] reminder: job feed still failing: 61 runs failed in 1h 00m (run 61)"
        assert "Failed runs:      61" in reminder.body
        assert webhook.next_post()["title"].startswith("[jobconsole] job feed still failing: 61 runs failed")

        feed.failing = False
        minutes(scheduler, clock, 1)  # 10:02: it works again
        recovered = smtp.next_message()
        assert subject(recovered) == "[jobconsole] job feed recovered after 1h 01m, 61 runs failed (run 62)"
        posted = webhook.next_post()
        assert posted["type"] == "success" and "recovered after 1h 01m, 61 runs failed" in posted["title"]

        minutes(scheduler, clock, 5)  # going well: nothing more to say
    finally:
        scheduler.shutdown()
    assert smtp.received_nothing()
    assert webhook.received.empty()
    assert store.alert_states()["feed"].failing_since is None


def test_a_job_gone_too_long_without_a_success_is_overdue_once_until_it_succeeds_again(
    store: RunStore, smtp: LocalSmtpServer, webhook: WebhookReceiver
) -> None:
    clock = ManualClock(START)
    scheduler = JobScheduler(
        store, clock=clock, notifiers=[EmailNotifier(smtp.settings())], notify_urls=[webhook.url()]
    )
    report = Switch(failing=False)
    # Due at 03:00 only: within the test it runs when triggered.
    scheduler.register(
        "report", report, schedule.every().day.at("03:00"), alert_if_no_success_within=timedelta(minutes=30)
    )
    scheduler.start()
    try:
        minutes(scheduler, clock, 29)
        minutes(scheduler, clock, 1)  # 09:30: half an hour since it was registered, and no success
        overdue = smtp.next_message()
        assert subject(overdue) == "[jobconsole] job report overdue: no success for 30m 00s (expected within 30m)"
        assert webhook.next_post()["type"] == "warning"

        minutes(scheduler, clock, 120)  # still nothing: it was said once
        scheduler.wait_for_run(scheduler.run_job("report").run_id, 10)  # 11:30, a success: the window starts again
        minutes(scheduler, clock, 30)
        again = smtp.next_message()
        assert subject(again) == "[jobconsole] job report overdue: no success for 30m 00s (expected within 30m)"
        assert "No success since: 2026-11-26 11:30:00+00:00" in again.body

        assert scheduler.pause("report").ok  # 12:00; a paused job is never overdue
        scheduler.wait_for_run(scheduler.run_job("report").run_id, 10)
        minutes(scheduler, clock, 90)
        assert scheduler.resume("report").ok  # 13:30: a full window from here
        minutes(scheduler, clock, 29)
        minutes(scheduler, clock, 1)
        third = smtp.next_message()
        assert "no success for 30m 00s" in subject(third)
        assert "No success since: 2026-11-26 13:30:00+00:00" in third.body
    finally:
        scheduler.shutdown()
    assert smtp.received_nothing()


def test_the_policy_goes_on_across_a_restart(store: RunStore) -> None:
    clock = ManualClock(START)
    feed = Switch()
    first_box = NoticeBox()
    first = JobScheduler(store, clock=clock, notifiers=[first_box])
    first.register("feed", feed, schedule.every(1).minutes)
    first.start()
    minutes(first, clock, 1)
    first.shutdown()
    assert first_box.get().kind is NoticeKind.FAILURE

    box = NoticeBox()
    second = JobScheduler(store, clock=clock, notifiers=[box], alert_reminder=timedelta(minutes=10))
    second.register("feed", feed, schedule.every(1).minutes)
    second.start()
    try:
        minutes(second, clock, 9)  # 09:02-09:10: still failing, nothing new to say
        state = store.alert_states()["feed"]
        assert (state.failing_since, state.failed_count, state.last_notified_at) == (
            START + timedelta(minutes=1), 10, START + timedelta(minutes=1)
        )
        minutes(second, clock, 1)  # 09:11: ten minutes since the first scheduler's notice
        reminder = box.get()
        assert (reminder.kind, reminder.failed_runs, reminder.failing_since) == (
            NoticeKind.REMINDER, 11, START + timedelta(minutes=1)
        )
        feed.failing = False
        minutes(second, clock, 1)
        recovered = box.get()
        assert (recovered.kind, recovered.failed_runs, recovered.status) == (NoticeKind.RECOVERED, 11, RunStatus.SUCCEEDED)
    finally:
        second.shutdown()
    assert box.notices.empty()


def test_a_standby_that_takes_over_continues_the_policy(database_url: str) -> None:
    clock = ManualClock(START)
    feed = Switch()
    leader_store, standby_store = open_store(database_url), open_store(database_url)
    leader_box, standby_box = NoticeBox(), NoticeBox()
    leader = JobScheduler(leader_store, clock=clock, notifiers=[leader_box], alert_reminder=600)
    standby = JobScheduler(standby_store, clock=clock, notifiers=[standby_box], alert_reminder=600)
    for scheduler in (leader, standby):
        scheduler.register("feed", feed, schedule.every(1).minutes)
    try:
        leader.start()
        took_over = threading.Event()
        never = threading.Event()
        waiting = threading.Thread(target=lambda: standby.stand_by(never) and took_over.set(), daemon=True)
        waiting.start()
        minutes(leader, clock, 3)
        assert leader_box.get().kind is NoticeKind.FAILURE
        leader.shutdown()  # gives the lease up: the standby takes over at once
        assert took_over.wait(20)
        standby.start()
        minutes(standby, clock, 6)  # 09:04-09:09: no second "failure"
        assert standby_box.notices.empty()
        minutes(standby, clock, 2)  # 09:11: ten minutes since the old leader's notice
        reminder = standby_box.get()
        assert (reminder.kind, reminder.failed_runs) == (NoticeKind.REMINDER, 11)
    finally:
        standby.shutdown()
        leader.shutdown()
        leader_store.close()
        standby_store.close()


def test_abandoned_runs_are_notified_as_found_whatever_the_policy_says(store: RunStore) -> None:
    """A job already failing still has each run a dead scheduler left behind notified."""
    from jobconsole.alert_state import AlertState
    from jobconsole.runs import RunMode, RunRecord, TriggeredBy

    store.write([
        AlertState("feed", failing_since=START, failed_count=3, last_notified_at=START),
        RunRecord(id=1, job_name="feed", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.RUNNING,
                  run_mode=RunMode.THREAD, scheduled_for=START, started_at=START, host="gone-host", pid=1),
    ])
    box = NoticeBox()
    scheduler = JobScheduler(store, clock=ManualClock(START + timedelta(minutes=1)), notifiers=[box])
    scheduler.register("feed", Switch(), schedule.every(1).minutes)
    scheduler.start()
    try:
        notice = box.get()
        assert (notice.kind, notice.status, notice.run_id) == (NoticeKind.FAILURE, RunStatus.ABANDONED, 1)
    finally:
        scheduler.shutdown()


def test_notices_name_their_kind_in_the_log(store: RunStore, caplog: pytest.LogCaptureFixture) -> None:
    from jobconsole.notify import LogNotifier

    clock = ManualClock(START)
    feed = Switch()
    scheduler = JobScheduler(store, clock=clock, notifiers=[LogNotifier()], alert_reminder=timedelta(minutes=2))
    scheduler.register("feed", feed, schedule.every(1).minutes)
    caplog.set_level("WARNING", logger="jobconsole.notify")
    scheduler.start()
    minutes(scheduler, clock, 3)
    feed.failing = False
    minutes(scheduler, clock, 1)
    scheduler.shutdown()
    lines = [record.getMessage() for record in caplog.records if record.name == "jobconsole.notify"]
    assert lines == [
        "job feed run 1 failed: partner feed answered 503",
        "job feed still failing: 3 runs failed in 2m 00s (run 3): partner feed answered 503",
        "job feed recovered after 3m 00s, 3 runs failed (run 4)",
    ]


def test_a_job_that_is_not_watched_any_more_forgets_its_window(store: RunStore) -> None:
    from jobconsole.alert_state import AlertState

    store.write([AlertState("report", watched_since=START - timedelta(days=3), overdue_notified_at=START)])
    scheduler = JobScheduler(store, clock=ManualClock(START), notifiers=[NoticeBox()])
    scheduler.register("report", Switch(failing=False), schedule.every().day.at("03:00"))
    scheduler.start()
    scheduler.shutdown()
    assert store.alert_states()["report"] == AlertState("report")


@pytest.mark.parametrize(
    "bad", [0, -5, float("nan"), "1h", True, timedelta(0)], ids=["zero", "negative", "nan", "text", "bool", "empty"]
)
def test_alert_if_no_success_within_must_be_a_positive_duration(store: RunStore, bad: object) -> None:
    scheduler = JobScheduler(store, notifiers=[])
    with pytest.raises(ValueError, match="job 'report': alert_if_no_success_within must be a positive"):
        scheduler.register("report", Switch(), schedule.every().day.at("03:00"), alert_if_no_success_within=bad)
