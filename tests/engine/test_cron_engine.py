"""Cron jobs under the engine on a ManualClock: they run at their due times, once on each DST change day,
occurrences missed while no scheduler ran are said, and every run is a row (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import jobconsole
from jobconsole.attach.wire import decode_snapshot, encode_snapshot
from jobconsole.engine import JobScheduler, ManualClock
from jobconsole.runs import HistoryQuery, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore
from tests.engine import jobs_for_tests

START = datetime(2026, 12, 3, 12, 1, tzinfo=timezone.utc)


def walk(clock: ManualClock, scheduler: JobScheduler, until: datetime) -> None:
    """Move the clock a minute at a time to ``until``, letting the engine run whatever falls due at each step.

    A minute is as fine as cron is, so every due time is stepped on exactly, none is late.
    """
    while clock.now() < until:
        clock.advance(min(60.0, (until - clock.now()).total_seconds()))
        scheduler.settle()


def rows_of(store: RunStore, name: str) -> list[RunRecord]:
    """The job's rows, oldest first."""
    return sorted(store.history(HistoryQuery(job_name=name, limit=1000)).rows, key=lambda row: row.id)


def next_run(scheduler: JobScheduler, name: str) -> datetime | None:
    return next(job.next_run for job in scheduler.snapshot().jobs if job.name == name)


def test_cron_jobs_run_at_their_due_times_and_every_run_is_recorded(make_scheduler, store) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("feed", jobs_for_tests.succeed, job_schedule="*/5 * * * *")
    # 13:05 in Paris is 12:05 UTC in December.
    scheduler.register("paris_report", jobs_for_tests.succeed, job_schedule=jobconsole.cron("5 13 * * *", tz="Europe/Paris"))
    scheduler.start()
    assert next_run(scheduler, "feed") == START.replace(minute=5)

    walk(clock, scheduler, START.replace(minute=31))

    feed = rows_of(store, "feed")
    assert [row.scheduled_for for row in feed] == [START.replace(minute=minute) for minute in (5, 10, 15, 20, 25, 30)]
    assert all(row.status is RunStatus.SUCCEEDED and row.triggered_by is TriggeredBy.SCHEDULED for row in feed)
    assert [row.started_at for row in feed] == [row.scheduled_for for row in feed]
    (report,) = rows_of(store, "paris_report")
    assert report.scheduled_for == START.replace(minute=5) and report.status is RunStatus.SUCCEEDED
    assert next_run(scheduler, "feed") == START.replace(minute=35)
    assert next_run(scheduler, "paris_report") == START.replace(day=4, minute=5)

    # What the console shows, embedded or attached (the leader publishes the same words).
    published = {job.name: job for job in decode_snapshot(encode_snapshot(scheduler.snapshot())).jobs}
    assert published["feed"].schedule == "every 5 minutes"
    assert published["paris_report"].schedule == "every day at 13:05 (Europe/Paris)"
    assert published["feed"].next_run == START.replace(minute=35)


@pytest.mark.parametrize("policy", ["skip", "run_once"])
def test_cron_occurrences_missed_while_no_scheduler_ran_are_said(make_scheduler, store, policy) -> None:
    clock = ManualClock(START)
    first = make_scheduler(clock=clock)
    first.register("feed", jobs_for_tests.succeed, job_schedule="*/5 * * * *", on_missed=policy)
    first.start()
    walk(clock, first, START.replace(minute=5))
    first.shutdown()

    clock.advance(timedelta(hours=1))  # 13:05: an hour with no scheduler
    second = make_scheduler(clock=clock)
    second.register("feed", jobs_for_tests.succeed, job_schedule="*/5 * * * *", on_missed=policy)
    second.start()
    second.settle()

    rows = rows_of(store, "feed")
    missed = [row for row in rows if row.status is RunStatus.MISSED]
    ran = [(row.triggered_by, row.scheduled_for) for row in rows[1:] if row.status is RunStatus.SUCCEEDED]
    # 12:10 ... 13:00 fell while nobody ran: a row says how many, from the first of them on.
    assert (missed[0].scheduled_for, missed[0].missed_count) == (START.replace(minute=10), 11)
    if policy == "run_once":
        # 13:05, due now, is counted with them, and one catch-up run stands for them all.
        assert sum(row.missed_count or 0 for row in missed) == 12
        assert ran == [(TriggeredBy.CATCH_UP, START.replace(hour=13, minute=5))]
    else:
        assert len(missed) == 1
        assert ran == [(TriggeredBy.SCHEDULED, START.replace(hour=13, minute=5))]
    assert next_run(second, "feed") == START.replace(hour=13, minute=10)


def _local_midnight(day: tuple[int, int, int], zone: ZoneInfo) -> datetime:
    return datetime(*day, tzinfo=zone).astimezone(timezone.utc)


@pytest.mark.parametrize(
    ("expression", "tz", "day", "expected"),
    [
        # The spring change skips 02:00-03:00: the 02:30 job runs at 03:00, once.
        ("30 2 * * *", "Europe/Berlin", (2026, 3, 29), datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)),
        ("30 2 * * *", "America/New_York", (2026, 3, 8), datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc)),
        # The autumn change repeats an hour: the job in it runs once, at its first (summer-time) occurrence.
        ("30 2 * * *", "Europe/Berlin", (2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)),
        ("30 1 * * *", "America/New_York", (2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)),
    ],
    ids=["berlin-spring", "new-york-spring", "berlin-autumn", "new-york-autumn"],
)
def test_a_daily_cron_job_runs_once_on_a_change_day(make_scheduler, store, expression, tz, day, expected) -> None:
    zone = ZoneInfo(tz)
    midnight = _local_midnight(day, zone)
    clock = ManualClock(midnight)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("nightly", jobs_for_tests.succeed, job_schedule=jobconsole.cron(expression, tz=tz))
    scheduler.start()

    walk(clock, scheduler, midnight + timedelta(hours=6))  # past the change, whichever way it goes

    (run,) = rows_of(store, "nightly")
    assert run.scheduled_for == expected and run.status is RunStatus.SUCCEEDED
    following = next_run(scheduler, "nightly")
    assert following is not None
    assert following.astimezone(zone).date() == (midnight + timedelta(days=1, hours=12)).astimezone(zone).date()
