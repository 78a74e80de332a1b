"""Purging old runs: by age and beyond a per-job count, never a run in progress nor a row the next leader
reads, in small batches while the recorder goes on writing (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore, open_store
from jobconsole.store.leadership import FencedError
from jobconsole.store.retention import PurgeRule

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
OLD = NOW - timedelta(days=40)
NEW = NOW - timedelta(days=1)
CUTOFF = NOW - timedelta(days=30)


def row(
    run_id: int,
    job: str,
    started: datetime,
    status: RunStatus = RunStatus.SUCCEEDED,
    triggered_by: TriggeredBy = TriggeredBy.SCHEDULED,
) -> RunRecord:
    started += timedelta(minutes=run_id)
    return RunRecord(
        id=run_id, job_name=job, triggered_by=triggered_by, status=status, run_mode=RunMode.THREAD,
        scheduled_for=started if triggered_by is TriggeredBy.SCHEDULED else None, started_at=started,
        finished_at=None if status is RunStatus.RUNNING else started + timedelta(seconds=2),
    )


@pytest.fixture
def history(database_url: str) -> RunStore:
    """Three jobs' rows, old (40 days) and new (1 day), as a leader wrote them."""
    store = open_store(database_url)
    store.term = store.leadership("test leader").try_take()
    store.write([
        # feed: five old runs, two new ones.
        *(row(n, "feed", OLD) for n in range(1, 6)),
        # stale: every row old. 6: a failed run; 7: its newest run (by hand); 8: its newest row, an occurrence skipped.
        row(6, "stale", OLD, RunStatus.FAILED),
        row(7, "stale", OLD, triggered_by=TriggeredBy.MANUAL),
        row(8, "stale", OLD, RunStatus.SKIPPED),
        # long: a run started 40 days ago and still going, an old run, a new one.
        row(9, "long", OLD, RunStatus.RUNNING, TriggeredBy.MANUAL),
        row(10, "long", OLD),
        row(11, "feed", NEW),
        row(12, "feed", NEW),
        row(13, "long", NEW),
    ])
    yield store
    store.close()


def ids(store: RunStore) -> list[int]:
    return sorted(record.id for record in store.history(HistoryQuery(limit=1000)).rows)


def test_runs_older_than_the_cutoff_go_but_not_one_in_progress_nor_what_a_starting_leader_reads(history) -> None:
    report = history.purge(PurgeRule(CUTOFF), batch_size=2)
    assert dict(report.deleted) == {"feed": 5, "stale": 1, "long": 1}
    assert report.complete and not report.dry_run and report.batches > 1
    # 7: stale's newest run (a retry is planned from it); 8: its newest row and last occurrence; 9: running.
    assert ids(history) == [7, 8, 9, 11, 12, 13]
    # The next run id is still counted from the highest one, and a start finds each job where it was.
    assert history.max_run_id() == 13
    assert history.last_occurrences(["feed", "stale", "long"]) == {
        "feed": (NEW + timedelta(minutes=12), 1), "stale": (OLD + timedelta(minutes=8), 1),
        "long": (NEW + timedelta(minutes=13), 1),
    }
    assert {name: record.id for name, record in history.last_attempts(["feed", "stale", "long"]).items()} == {
        "feed": 12, "stale": 7, "long": 13}
    # Nothing more to do: a second purge deletes nothing.
    assert history.purge(PurgeRule(CUTOFF)).total == 0


def test_keep_per_job_keeps_each_jobs_newest_runs_whatever_their_age(history) -> None:
    report = history.purge(PurgeRule(CUTOFF, keep_per_job=3))
    # feed keeps 12, 11 and 5; stale and long have no more than three rows each.
    assert dict(report.deleted) == {"feed": 4}
    assert ids(history) == [5, 6, 7, 8, 9, 10, 11, 12, 13]


def test_a_dry_run_counts_what_a_purge_would_delete_and_deletes_nothing(history) -> None:
    before = ids(history)
    dry = history.purge(PurgeRule(CUTOFF), dry_run=True)
    assert dry.dry_run and dict(dry.deleted) == {"feed": 5, "stale": 1, "long": 1}
    assert ids(history) == before
    assert dict(history.purge(PurgeRule(CUTOFF)).deleted) == dict(dry.deleted)


def test_a_purge_stops_between_batches_when_told(history) -> None:
    answers = iter([True, False])
    report = history.purge(PurgeRule(CUTOFF), batch_size=2, between_batches=lambda: next(answers))
    assert not report.complete and report.total == 2
    assert ids(history) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]


def test_a_replaced_leaders_purge_is_refused_and_deletes_nothing(history, database_url) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE jobconsole_leadership SET expires_at = expires_at - 3600"))
    engine.dispose()
    successor = open_store(database_url)
    try:
        successor.term = successor.leadership("successor").try_take()
        with pytest.raises(FencedError, match="another scheduler leads now \\(term 2\\)"):
            history.purge(PurgeRule(CUTOFF))
    finally:
        successor.close()
    assert len(ids(history)) == 13


def test_a_cutoff_must_be_timezone_aware_and_keep_per_job_at_least_1() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PurgeRule(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="keep_per_job must be at least 1"):
        PurgeRule(CUTOFF, keep_per_job=0)


def test_nothing_recorded_while_a_purge_runs_is_lost(database_url: str) -> None:
    """The recorder writes batches of finished runs every few milliseconds while 3,000 old rows are purged
    in batches of 100: every row it wrote is there afterwards, and every old row is gone but those kept."""
    store = open_store(database_url)
    store.term = store.leadership("test leader").try_take()
    jobs = [f"job-{n}" for n in range(10)]
    store.write([row(n, jobs[n % 10], OLD - timedelta(days=n // 100)) for n in range(1, 3001)])
    written: list[int] = []
    failures: list[BaseException] = []
    purging = threading.Event()
    done = threading.Event()

    def record() -> None:
        next_id = 100_000
        try:
            while not done.is_set():
                batch = [row(next_id + k, jobs[k], NOW, RunStatus.SUCCEEDED) for k in range(5)]
                store.write(batch)
                written.extend(record.id for record in batch)
                next_id += 5
                purging.set()
                time.sleep(0.002)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            failures.append(error)
            purging.set()

    recorder = threading.Thread(target=record)
    recorder.start()
    try:
        purging.wait(10)
        report = store.purge(PurgeRule(CUTOFF), batch_size=100, between_batches=lambda: (time.sleep(0.001), True)[1])
    finally:
        done.set()
        recorder.join(30)
    try:
        assert not failures, failures
        remaining = ids(store)
        new_rows = [run_id for run_id in remaining if run_id >= 100_000]
        assert new_rows == sorted(written) and len(written) > 0
        old_left = [run_id for run_id in remaining if run_id < 100_000]
        # Each job's newest old row was its newest row when the purge began (the recorder's came later).
        assert len(old_left) <= len(jobs) and report.total == 3000 - len(old_left)
        assert report.batches >= 29
    finally:
        store.close()
