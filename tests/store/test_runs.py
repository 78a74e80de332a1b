"""Writing runs and reading them back, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError

from jobconsole.runs import RunRecord, RunStatus, RunUpdate
from jobconsole.store import RunStore, open_store
from tests.store.factories import EPOCH, failure_update, finished_run, started_run


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def test_record_round_trips_with_aware_utc_timestamps(store: RunStore) -> None:
    paris = ZoneInfo("Europe/Paris")
    record = replace(
        finished_run(7, status=RunStatus.FAILED),
        # Given in Paris time: must come back as the same instant, in UTC.
        started_at=datetime(2025, 7, 1, 5, 0, 0, 123456, tzinfo=paris),
        scheduled_for=datetime(2025, 7, 1, 5, 0, tzinfo=paris),
        traceback="Traceback (most recent call last):\n  ValueError: [red]boom\x1b[2J\n",
        message="é ✓ multi\nline",
        lines_added=3,
        lines_processed=40,
        exit_code=-11,
        duration_ms=2**40,
    )
    store.write([record])

    loaded = store.get_run(7)

    assert loaded == record
    assert loaded is not None
    for stamp in (loaded.started_at, loaded.scheduled_for, loaded.finished_at, loaded.deadline_at):
        assert stamp is not None and stamp.utcoffset() == timedelta(0)
    assert loaded.started_at == datetime(2025, 7, 1, 3, 0, 0, 123456, tzinfo=timezone.utc)
    assert loaded.status is RunStatus.FAILED


def test_naive_timestamps_are_refused(store: RunStore) -> None:
    naive = replace(finished_run(1), started_at=datetime(2025, 7, 1, 3, 0))
    with pytest.raises(ValueError, match="naive datetime 2025-07-01T03:00:00 given for a run timestamp; pass a timezone-aware"):
        store.write([naive])
    assert store.get_run(1) is None


def test_get_run_of_unknown_id_is_none(store: RunStore) -> None:
    store.write([finished_run(1)])
    assert store.get_run(2) is None


def test_insert_then_update_in_one_batch_applies_in_order(store: RunStore) -> None:
    finished = EPOCH + timedelta(hours=1)
    store.write([started_run(1), started_run(2), failure_update(1, finished), started_run(3)])

    first = store.get_run(1)
    assert first is not None
    assert (first.status, first.success, first.finished_at) == (RunStatus.FAILED, False, finished)
    assert first.traceback is not None and "page 7 has no table" in first.traceback
    assert first.pid == started_run(1).pid, "an update leaves the start fields alone"
    assert [run.id for run in store.find_running()] == [2, 3]


def test_a_failing_batch_writes_nothing(store: RunStore) -> None:
    store.write([finished_run(1)])
    with pytest.raises(IntegrityError):
        store.write([finished_run(2), finished_run(1)])
    assert store.get_run(2) is None
    assert store.max_run_id() == 1


def test_write_refuses_other_values(store: RunStore) -> None:
    with pytest.raises(TypeError, match="RunRecord, RunUpdate and AlertState"):
        store.write([finished_run(1), {"id": 2}])  # type: ignore[list-item]
    assert store.get_run(1) is None


def test_big_batch_with_updates_keeps_every_row(store: RunStore) -> None:
    started = [started_run(run_id, job_name=f"job_{run_id % 7}") for run_id in range(1, 3001)]
    updates = [
        RunUpdate(id=run_id, status=RunStatus.SUCCEEDED, finished_at=EPOCH + timedelta(days=1), success=True, duration_ms=run_id)
        for run_id in range(1, 3001, 2)
    ]
    store.write([*started, *updates])

    assert store.max_run_id() == 3000
    assert len(store.find_running()) == 1500
    updated = store.get_run(2999)
    assert updated is not None and (updated.status, updated.duration_ms) == (RunStatus.SUCCEEDED, 2999)


def test_max_run_id(store: RunStore) -> None:
    assert store.max_run_id() == 0
    store.write([finished_run(12), finished_run(3)])
    assert store.max_run_id() == 12


def test_find_running_returns_only_running_rows(store: RunStore) -> None:
    store.write([finished_run(1), started_run(2), finished_run(3, status=RunStatus.STOPPED), started_run(4)])
    running = store.find_running()
    assert [run.id for run in running] == [2, 4]
    assert all(isinstance(run, RunRecord) and run.status is RunStatus.RUNNING for run in running)


def test_recent_statuses_are_each_jobs_last_runs_oldest_first(store: RunStore) -> None:
    outcomes = [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.SKIPPED]
    newsletter = [finished_run(run_id, "newsletter", outcomes[run_id % 4]) for run_id in range(1, 24, 2)]
    alerts = [finished_run(run_id, "alerts", RunStatus.FAILED) for run_id in range(2, 9, 2)]
    store.write([*newsletter, *alerts, started_run(30, "newsletter")])

    recent = store.recent_statuses(["newsletter", "alerts", "never_ran"], per_job=5)

    assert recent == {
        "newsletter": [run.status for run in newsletter[-4:]] + [RunStatus.RUNNING],
        "alerts": [RunStatus.FAILED] * 4,
        "never_ran": [],
    }


def test_failure_times_since_counts_only_recent_failures(store: RunStore) -> None:
    statuses = [RunStatus.FAILED, RunStatus.SUCCEEDED, RunStatus.TIMED_OUT, RunStatus.ABANDONED, RunStatus.STOPPED]
    runs = [finished_run(run_id, status=statuses[run_id % 5]) for run_id in range(1, 41)]
    store.write(runs)
    since = EPOCH + timedelta(minutes=20)

    times = store.failure_times_since(since)

    expected = sorted(run.started_at for run in runs if run.success is False and run.started_at >= since)
    assert times == expected
    assert times[0] == since, "a failure starting exactly at `since` counts"
    assert EPOCH + timedelta(minutes=18) not in times, "earlier failures do not"
    assert all(stamp.tzinfo is not None for stamp in times)


def test_failure_times_since_refuses_a_naive_datetime(store: RunStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.failure_times_since(datetime(2025, 1, 1))
