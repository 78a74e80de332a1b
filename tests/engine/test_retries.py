"""Retries: each attempt of a failed run is a row linked to the first, backed off on the engine's clock,
notified only when the last one fails, never after an operator's stop, and winning over the job's next
occurrence. Every test runs on a ManualClock (no real waiting) against SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
import schedule
from sqlalchemy import create_engine, text

from jobconsole import JobResult
from jobconsole.engine import JobScheduler, ManualClock
from jobconsole.engine.journal import StartJournal, read_journal
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.retry import JITTER, RetryPolicy
from jobconsole.notify.email import render_subject
from jobconsole.runs import HistoryQuery, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore, open_store
from tests.engine import jobs_for_tests

START = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
TICK = timedelta(microseconds=1)


class Flaky:
    """Fails its first ``failures`` calls, then succeeds."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, stop_event: object) -> JobResult:
        self.calls += 1
        if self.calls <= self.failures:
            return JobResult(success=False, error=f"call {self.calls} failed")
        return JobResult(success=True, message=f"call {self.calls} succeeded")


def rows_of(store: RunStore, job: str = "feed") -> list[RunRecord]:
    """The job's rows, oldest first, as the table holds them."""
    return list(reversed(store.history(HistoryQuery(job_name=job, limit=100)).rows))


def retry_at(scheduler: JobScheduler, job: str = "feed") -> datetime | None:
    return next(view.retry_at for view in scheduler.snapshot().jobs if view.name == job)


def advance_to(clock: ManualClock, scheduler: JobScheduler, moment: datetime) -> None:
    clock.advance(moment - clock.now())
    scheduler.settle()


def test_a_failed_run_is_retried_with_backoff_each_attempt_a_row_linked_to_the_first(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", Flaky(2), schedule.every().hour, retries=2, retry_backoff=10)
    scheduler.start()
    advance_to(clock, scheduler, START + timedelta(hours=1))
    (first,) = rows_of(store)
    assert (first.status, first.attempt, first.first_run_id) == (RunStatus.FAILED, 1, None)

    # Attempt 2 is due 10 s (±20 %) after attempt 1 ended; not a moment before.
    due = retry_at(scheduler)
    assert due is not None and 8 <= (due - first.finished_at).total_seconds() <= 12
    advance_to(clock, scheduler, due - timedelta(milliseconds=1))
    assert len(rows_of(store)) == 1
    advance_to(clock, scheduler, due + TICK)
    second = rows_of(store)[1]
    assert (second.triggered_by, second.status, second.attempt, second.first_run_id) == (
        TriggeredBy.RETRY, RunStatus.FAILED, 2, first.id)
    assert second.scheduled_for == due and second.started_at == due + TICK
    assert second.error_message == "call 2 failed"

    # Attempt 3 waits twice as long: 20 s (±20 %).
    due = retry_at(scheduler)
    assert due is not None and 16 <= (due - second.finished_at).total_seconds() <= 24
    advance_to(clock, scheduler, due - timedelta(milliseconds=1))
    assert len(rows_of(store)) == 2
    advance_to(clock, scheduler, due + TICK)
    third = rows_of(store)[2]
    assert (third.triggered_by, third.status, third.attempt, third.first_run_id, third.message) == (
        TriggeredBy.RETRY, RunStatus.SUCCEEDED, 3, first.id, "call 3 succeeded")
    assert retry_at(scheduler) is None
    # The run succeeded in the end: nobody was told of its failed attempts.
    assert notices.notices.empty()
    # Nothing else ran: the next occurrence is an hour after the first.
    advance_to(clock, scheduler, START + timedelta(hours=2) - TICK)
    assert len(rows_of(store)) == 3


def test_only_the_last_attempt_failing_is_notified_and_says_attempt_3_of_3(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", jobs_for_tests.report_failure, schedule.every().hour, retries=2, retry_backoff=5)
    scheduler.start()
    advance_to(clock, scheduler, START + timedelta(hours=1))
    for _ in range(2):
        assert notices.notices.empty()
        due = retry_at(scheduler)
        assert due is not None
        advance_to(clock, scheduler, due + TICK)
    rows = rows_of(store)
    assert [(row.status, row.attempt, row.first_run_id) for row in rows] == [
        (RunStatus.FAILED, 1, None), (RunStatus.FAILED, 2, rows[0].id), (RunStatus.FAILED, 3, rows[0].id)]
    notice = notices.get()
    assert (notice.run_id, notice.status, notice.attempt_words) == (rows[2].id, RunStatus.FAILED, "attempt 3/3")
    assert render_subject(notice) == f"[jobconsole] job feed failed (run {rows[2].id}, attempt 3/3)"
    assert notices.notices.empty() and retry_at(scheduler) is None


def test_a_timed_out_run_is_retried_and_the_last_time_out_notified(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register(
        "feed", jobs_for_tests.honour_stop_event, schedule.every().hour, timeout_minutes=0.5, retries=1, retry_backoff=60
    )
    scheduler.start()
    clock.advance(timedelta(hours=1))
    scheduler.settle(include_runs=False)
    advance_to(clock, scheduler, clock.now() + timedelta(seconds=30))  # its timeout
    (first,) = rows_of(store)
    assert first.status is RunStatus.TIMED_OUT
    due = retry_at(scheduler)
    assert due is not None
    clock.advance(due + TICK - clock.now())
    scheduler.settle(include_runs=False)
    advance_to(clock, scheduler, clock.now() + timedelta(seconds=30))
    assert [(row.status, row.attempt, row.triggered_by) for row in rows_of(store)] == [
        (RunStatus.TIMED_OUT, 1, TriggeredBy.SCHEDULED), (RunStatus.TIMED_OUT, 2, TriggeredBy.RETRY)]
    notice = notices.get()
    assert (notice.status, notice.attempt_words) == (RunStatus.TIMED_OUT, "attempt 2/2")


def test_a_run_stopped_by_an_operator_or_at_shutdown_is_never_retried(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", jobs_for_tests.honour_stop_event, schedule.every().day.at("03:00"), retries=3, retry_backoff=1)
    scheduler.start()
    run_id = scheduler.run_job("feed").run_id
    assert scheduler.stop_run(run_id).ok
    assert scheduler.wait_for_run(run_id, 10)
    advance_to(clock, scheduler, START + timedelta(minutes=10))
    (row,) = rows_of(store)
    assert (row.status, row.error_message) == (RunStatus.STOPPED, "stopped by operator; stopped early")
    assert retry_at(scheduler) is None

    scheduler.run_job("feed")
    scheduler.shutdown(grace_seconds=5)
    assert [row.status for row in rows_of(store)] == [RunStatus.STOPPED, RunStatus.STOPPED]
    # Nor is it retried by whoever starts next: the table says it was stopped.
    again = make_scheduler(clock=clock)
    again.register("feed", jobs_for_tests.honour_stop_event, schedule.every().day.at("03:00"), retries=3, retry_backoff=1)
    again.start()
    advance_to(clock, again, START + timedelta(minutes=20))
    assert len(rows_of(store)) == 2 and retry_at(again) is None
    assert notices.notices.empty()


def test_the_retry_wins_and_the_occurrences_it_overlaps_are_recorded_skipped(make_scheduler, store) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", Flaky(1), schedule.every(60).seconds, retries=1, retry_backoff=100)
    scheduler.start()
    advance_to(clock, scheduler, START + timedelta(seconds=60))
    due = retry_at(scheduler)
    # 100 s ± 20 % after the failure at 01:00: between 02:20 and 03:00, after the occurrence at 02:00.
    assert due is not None and START + timedelta(seconds=140) <= due <= START + timedelta(seconds=180)
    advance_to(clock, scheduler, START + timedelta(seconds=120))
    advance_to(clock, scheduler, due + TICK)
    advance_to(clock, scheduler, START + timedelta(seconds=180))
    first, skipped, retried, next_one = rows_of(store)
    assert (first.status, first.scheduled_for) == (RunStatus.FAILED, START + timedelta(seconds=60))
    assert (skipped.status, skipped.scheduled_for, skipped.triggered_by) == (
        RunStatus.SKIPPED, START + timedelta(seconds=120), TriggeredBy.SCHEDULED)
    assert skipped.error_message == f"skipped: attempt 2/2 of run {first.id} is due at {due:%Y-%m-%d %H:%M:%S} UTC"
    assert (retried.triggered_by, retried.status, retried.attempt, retried.first_run_id) == (
        TriggeredBy.RETRY, RunStatus.SUCCEEDED, 2, first.id)
    # Once the retry has run, the job's occurrences run as before, each a first attempt.
    assert (next_one.triggered_by, next_one.status, next_one.attempt, next_one.scheduled_for) == (
        TriggeredBy.SCHEDULED, RunStatus.SUCCEEDED, 1, START + timedelta(seconds=180))


def test_a_run_started_by_hand_takes_the_pending_retrys_place(make_scheduler, store) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", Flaky(1), schedule.every().hour, retries=1, retry_backoff=60)
    scheduler.start()
    advance_to(clock, scheduler, START + timedelta(hours=1))
    assert retry_at(scheduler) is not None
    scheduler.wait_for_run(scheduler.run_job("feed").run_id, 10)
    assert retry_at(scheduler) is None
    advance_to(clock, scheduler, START + timedelta(hours=1, minutes=5))
    assert [(row.triggered_by, row.status, row.attempt) for row in rows_of(store)] == [
        (TriggeredBy.SCHEDULED, RunStatus.FAILED, 1), (TriggeredBy.MANUAL, RunStatus.SUCCEEDED, 1)]


def test_a_retry_due_while_its_job_is_paused_is_not_run_and_the_failure_is_notified(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", Flaky(1), schedule.every().hour, retries=1, retry_backoff=60)
    scheduler.start()
    advance_to(clock, scheduler, START + timedelta(hours=1))
    assert scheduler.pause("feed", by="ops@test").ok
    advance_to(clock, scheduler, START + timedelta(hours=1, minutes=5))
    (row,) = rows_of(store)
    notice = notices.get()
    assert (notice.run_id, notice.attempt_words) == (row.id, "attempt 1/2")
    assert retry_at(scheduler) is None


def test_a_pending_retry_survives_a_restart_and_runs_at_once_if_its_time_passed(make_scheduler, store, notices) -> None:
    clock = ManualClock(START)
    first = make_scheduler(clock=clock)
    first.register("feed", Flaky(1), schedule.every().hour, retries=2, retry_backoff=30)
    first.start()
    advance_to(clock, first, START + timedelta(hours=1))
    assert retry_at(first) is not None
    first.shutdown()
    (failed,) = rows_of(store)

    # Planned again from the table by the next scheduler: 30 s (±20 %) after the failure.
    second = make_scheduler(clock=clock)
    second.register("feed", Flaky(1), schedule.every().hour, retries=2, retry_backoff=30)
    second.start()
    due = retry_at(second)
    assert due is not None and 24 <= (due - failed.finished_at).total_seconds() <= 36
    advance_to(clock, second, due + TICK)
    retried = rows_of(store)[1]
    assert (retried.triggered_by, retried.status, retried.attempt, retried.first_run_id) == (
        TriggeredBy.RETRY, RunStatus.FAILED, 2, failed.id)
    second.shutdown()

    # Down for longer than attempt 3's backoff (60 s ± 20 %): it runs as soon as a scheduler starts.
    clock.advance(timedelta(minutes=5))
    third = make_scheduler(clock=clock)
    third.register("feed", Flaky(0), schedule.every().hour, retries=2, retry_backoff=30)
    third.start()
    third.settle()
    last = rows_of(store)[2]
    assert (last.triggered_by, last.status, last.attempt, last.first_run_id, last.started_at) == (
        TriggeredBy.RETRY, RunStatus.SUCCEEDED, 3, failed.id, clock.now())
    assert notices.notices.empty()


def lapse(database_url: str) -> None:
    """The leader's lease ran out in the database's eyes (what a paused or cut-off leader looks like)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE jobconsole_leadership SET expires_at = expires_at - 3600"))
    engine.dispose()


def test_only_the_leader_retries_and_a_takeover_retries_once(make_scheduler, store, database_url) -> None:
    clock = ManualClock(START)
    leader = make_scheduler(clock=clock)
    leader.register("feed", Flaky(1), schedule.every().hour, retries=1, retry_backoff=30)
    replaced = threading.Event()
    leader.on_replaced(replaced.set)
    leader.start()
    advance_to(clock, leader, START + timedelta(hours=1))
    (failed,) = rows_of(store)

    # Its lease lapses (paused, cut off) and a standby takes over: it plans the retry from the table.
    lapse(database_url)
    other_store = open_store(database_url)
    successor = JobScheduler(other_store, clock=clock, notifiers=[])
    successor.register("feed", Flaky(0), schedule.every().hour, retries=1, retry_backoff=30)
    try:
        successor.start()
        assert replaced.wait(15), "the first leader never learned that it was replaced"
        due = max(retry_at(leader) or START, retry_at(successor) or START)
        clock.advance(due + TICK - clock.now())
        successor.settle()
        leader.settle()
    finally:
        successor.shutdown()
        other_store.close()
    rows = rows_of(store)
    assert [(row.attempt, row.first_run_id, row.status, row.leader_epoch) for row in rows] == [
        (1, None, RunStatus.FAILED, 1), (2, failed.id, RunStatus.SUCCEEDED, 2)]


def test_a_retrys_start_is_journaled_with_its_trigger_and_attempt(tmp_path) -> None:
    from jobconsole.engine.jobs import build_job_spec

    spec = build_job_spec("feed", jobs_for_tests.succeed, schedule.every().hour, False, 1, retries=2)
    journal = StartJournal(tmp_path, "db", "me", "host-1", 4242, 3)
    retry = LiveRun(spec, 9, TriggeredBy.RETRY, START, START, 0.0, ("host-1", 4242), None, 3, 7)
    catch_up = LiveRun(spec, 10, TriggeredBy.CATCH_UP, START, START, 0.0, ("host-1", 4242))
    journal.append([retry, catch_up])
    starts = read_journal(journal.path).starts
    journal.close(keep=False)
    assert (starts[9].triggered_by, starts[9].attempt, starts[9].first_run_id, starts[9].scheduled_for) == (
        TriggeredBy.RETRY, 3, 7, START)
    assert (starts[10].triggered_by, starts[10].attempt, starts[10].first_run_id) == (TriggeredBy.CATCH_UP, 1, None)


def test_the_jitter_stays_within_20_percent_and_uses_the_range() -> None:
    policy = RetryPolicy(retries=5, backoff=10)
    rng = random.Random(13)
    for attempt, base in ((1, 10), (2, 20), (5, 160)):
        waits = [policy.wait(attempt, rng) for _ in range(2000)]
        assert base * (1 - JITTER) <= min(waits) < base * 0.82
        assert base * 1.18 < max(waits) <= base * (1 + JITTER)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retries": -1}, "retries must be a whole number from 0 to 100 .* got -1"),
        ({"retries": 101}, "retries must be a whole number from 0 to 100 .* got 101"),
        ({"retries": True}, "retries must be a whole number .* got True"),
        ({"retries": 2.5}, "retries must be a whole number .* got 2.5"),
        ({"retries": 1, "retry_backoff": -5}, "retry_backoff must be a number of seconds, 0 or more .* got -5"),
        ({"retries": 1, "retry_backoff": float("nan")}, "retry_backoff must be a number of seconds.* got nan"),
        ({"retries": 1, "retry_backoff": "10s"}, "retry_backoff must be a number of seconds.* got '10s'"),
        ({"retries": 20, "retry_backoff": 60}, "retries=20 with retry_backoff=60 s would wait 31,457,280 s before the "
                                               "last attempt .* the longest wait is 86,400 s"),
    ],
)
def test_bad_retry_settings_are_refused_naming_the_job(make_scheduler, options, message) -> None:
    scheduler = make_scheduler()
    with pytest.raises(ValueError, match=f"^job 'feed': {message}"):
        scheduler.register("feed", jobs_for_tests.succeed, schedule.every().hour, **options)
