"""The leader deletes runs older than its retention a minute after it starts and every hour after, on the
scheduler's clock, and loses nothing it records meanwhile (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.engine import JobScheduler, ManualClock
from jobconsole.engine.retention import Retention, RetentionPolicy
from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore
from tests.engine import jobs_for_tests

START = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def old_run(run_id: int, job: str, days_ago: float, status: RunStatus = RunStatus.SUCCEEDED) -> RunRecord:
    started = START - timedelta(days=days_ago) + timedelta(seconds=run_id)
    return RunRecord(
        id=run_id, job_name=job, triggered_by=TriggeredBy.MANUAL, status=status, run_mode=RunMode.THREAD,
        scheduled_for=None, started_at=started, finished_at=None if status is RunStatus.RUNNING else started,
    )


def ids(store: RunStore) -> list[int]:
    return sorted(record.id for record in store.history(HistoryQuery(limit=1000)).rows)


def test_the_leader_deletes_old_runs_a_minute_after_it_starts_then_every_hour(make_scheduler, store) -> None:
    store.write([
        *(old_run(n, "feed", 100) for n in range(1, 6)),
        old_run(6, "feed", 10),
        old_run(7, "feed", 10),
        old_run(8, "retired_job", 100),  # a job no longer registered keeps its newest row too
        old_run(9, "retired_job", 100),
        old_run(10, "stuck", 100, RunStatus.RUNNING),
    ])
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock, retention_days=30)
    scheduler.register("feed", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    retention = scheduler.retention
    assert retention is not None
    clock.advance(59)
    scheduler.settle()
    assert retention.passes == [] and len(ids(store)) == 10
    clock.advance(1)
    scheduler.settle()
    (first,) = retention.wait_for_passes(1, 30)
    # 10 was left running by a scheduler that died (the start marked it abandoned): its job's newest row.
    assert dict(first.deleted) == {"feed": 5, "retired_job": 1}
    assert ids(store) == [6, 7, 9, 10]
    clock.advance(timedelta(hours=1))
    scheduler.settle()
    assert retention.wait_for_passes(2, 30)[1].total == 0


def test_keep_per_job_and_no_retention_at_all(make_scheduler, store) -> None:
    store.write([old_run(n, "feed", 100 - n) for n in range(1, 7)])
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.configure(retention_days=30, keep_per_job=4)
    scheduler.start()
    clock.advance(60)
    scheduler.settle()
    assert scheduler.retention is not None
    assert dict(scheduler.retention.wait_for_passes(1, 30)[0].deleted) == {"feed": 2}
    assert ids(store) == [3, 4, 5, 6]
    scheduler.shutdown()

    keeper = make_scheduler(clock=clock, retention_days=0)
    keeper.start()
    clock.advance(timedelta(hours=2))
    keeper.settle()
    assert keeper.retention is None and ids(store) == [3, 4, 5, 6]


def test_a_scheduler_that_is_not_sure_it_leads_deletes_nothing(store) -> None:
    store.write([old_run(n, "feed", 100) for n in range(1, 6)])
    retention = Retention(store, RetentionPolicy(30), may_purge=lambda: False, busy=lambda: False, pause_seconds=0)
    report = retention.purge(START)
    assert report is not None and report.total == 0 and not report.complete
    assert len(ids(store)) == 5


@pytest.mark.timeout(120)
def test_runs_recorded_while_the_leader_purges_are_all_kept(make_scheduler, store) -> None:
    """20,000 old rows are deleted in 40 batches with pauses between them while runs keep being started and
    recorded through the engine's recorder: every run started has its row afterwards."""
    store.write([old_run(n, f"old-{n % 20}", 100) for n in range(1, 20_001)])
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock, retention_days=30)
    scheduler.register("feed", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    retention = scheduler.retention
    assert retention is not None
    clock.advance(60)
    scheduler.settle()
    started: list[int] = []
    while not retention.passes:
        run_id = scheduler.run_job("feed").run_id
        assert run_id is not None and scheduler.wait_for_run(run_id, 10)
        started.append(run_id)
        scheduler.flush()
    (report,) = retention.passes
    assert report.complete and report.total == 20_000 - 20 and report.batches == 40
    assert len(started) > 10
    assert scheduler.flush(30)
    recorded = store.history(HistoryQuery(job_name="feed", limit=10_000)).rows
    assert sorted(row.id for row in recorded) == started
    assert all(row.status is RunStatus.SUCCEEDED for row in recorded)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retention_days": -1}, "retention_days must be a number of days from 0 \\(keep every run\\) to 36,500, got -1"),
        ({"retention_days": float("inf")}, "retention_days must be a number of days .* got inf"),
        ({"retention_days": "90d"}, "retention_days must be a number of days .* got '90d'"),
        ({"keep_per_job": -2}, "keep_per_job must be a whole number, 0 or more \\(0: no floor\\), got -2"),
        ({"keep_per_job": 2.5}, "keep_per_job must be a whole number.* got 2.5"),
    ],
)
def test_bad_retention_settings_are_refused(options, message) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        JobScheduler(**options)
    with pytest.raises(ValueError, match=f"^{message}$"):
        JobScheduler().configure(**options)
