"""A database outage loses nothing: records wait in memory, in order, and are written when it is back."""

from __future__ import annotations

import logging
import time

import pytest
import schedule

from jobconsole.engine import JobScheduler
from jobconsole.runs import HistoryQuery, RunStatus
from jobconsole.store import open_store
from tests.engine import jobs_for_tests
from tests.engine.support import EventLog, NoticeBox


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_postgres_stopped_longer_than_the_lease_loses_no_record_and_dispatch_pauses_then_resumes(
    dedicated_postgres_server, caplog
) -> None:
    """Runs go on while the lease is surely still this scheduler's (their records wait in memory); once it
    cannot be confirmed in time, nothing starts until the database answers; then every occurrence of the
    gap is run late or recorded, and every record made during the outage is written, in order."""
    caplog.set_level(logging.WARNING, logger="jobconsole.engine")
    url = dedicated_postgres_server.create_database("outage")
    store = open_store(url)
    events = EventLog()
    scheduler = JobScheduler(store, notifiers=[NoticeBox()], lease_seconds=5)
    scheduler.add_listener(events)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(1).seconds)
    scheduler.start()
    try:
        events.finished("tick", nth=2)
        dedicated_postgres_server.stop()
        stopped_at = time.monotonic()
        wait_for(lambda: any("ran out" in r.getMessage() for r in caplog.records), 15)
        paused_after = time.monotonic() - stopped_at
        started_before_pause = len(events.started_records())
        assert scheduler.snapshot().pending_records > 0
        assert not scheduler.run_job("tick").ok
        time.sleep(3)  # the outage goes on: what is observed is that nothing starts meanwhile
        assert len(events.started_records()) == started_before_pause
        dedicated_postgres_server.start()
        wait_for(lambda: any("dispatching resumes" in r.getMessage() for r in caplog.records), 30)
        events.finished("tick", nth=started_before_pause + 2, timeout=30)
        assert scheduler.flush(60)
        assert scheduler.snapshot().store_ok
    finally:
        scheduler.shutdown(grace_seconds=2)
    # Dispatch stopped before the lease (5 s) could have run out in the database's eyes.
    assert paused_after < 5 + 2
    rows = list(reversed(store.history(HistoryQuery(limit=500)).rows))
    assert [row.id for row in rows] == list(range(1, len(rows) + 1))
    assert {row.status for row in rows} <= {RunStatus.SUCCEEDED, RunStatus.SKIPPED}
    # Every occurrence from the first to the last is in the table once: run, or recorded skipped.
    occurrences = [row.scheduled_for for row in rows]
    assert occurrences == sorted(occurrences) and len(set(occurrences)) == len(occurrences)
    steps = {(later - earlier).total_seconds() for earlier, later in zip(occurrences, occurrences[1:])}
    assert steps == {1.0}
    outage_lines = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    back_lines = [r for r in caplog.records if "database is back" in r.getMessage()]
    assert len(outage_lines) == 1 and len(back_lines) == 1
    store.close()


@pytest.mark.timeout(120)
def test_records_still_unwritten_at_shutdown_are_spooled_and_written_on_next_start(
    dedicated_postgres_server, tmp_path
) -> None:
    url = dedicated_postgres_server.create_database("spool")
    store = open_store(url)
    events = EventLog()
    options = {"notifiers": [NoticeBox()], "spool_dir": tmp_path / "spool", "record_flush_seconds": 0.5}
    scheduler = JobScheduler(store, **options)
    scheduler.add_listener(events)
    scheduler.register("quick", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    dedicated_postgres_server.stop()
    run_id = scheduler.run_job("quick").run_id
    scheduler.wait_for_run(run_id, 10)
    scheduler.shutdown()
    assert len(list((tmp_path / "spool").glob("*.jsonl"))) == 1
    dedicated_postgres_server.start()
    store.close()
    store = open_store(url)
    assert store.get_run(run_id) is None
    again = JobScheduler(store, **options)
    again.register("quick", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    again.start()
    row = store.get_run(run_id)
    next_run = again.run_job("quick").run_id
    again.wait_for_run(next_run, 10)
    again.shutdown()
    assert row.status is RunStatus.SUCCEEDED and row.lines_added == 3
    assert next_run == run_id + 1
    assert list((tmp_path / "spool").glob("*.jsonl")) == []
    store.close()
