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
def test_postgres_stopped_for_10_s_while_runs_finish_loses_no_record(dedicated_postgres_server, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="jobconsole.engine")
    url = dedicated_postgres_server.create_database("outage")
    store = open_store(url)
    events = EventLog()
    scheduler = JobScheduler(store, notifiers=[NoticeBox()])
    scheduler.add_listener(events)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(1).seconds)
    scheduler.start()
    try:
        events.finished("tick", nth=2)
        dedicated_postgres_server.stop()
        outage_started = len([e for e in events._events if type(e).__name__ == "RunFinished"])
        wait_for(lambda: not scheduler.snapshot().store_ok, 15)
        stopped_at = time.monotonic()
        # Ten seconds of runs that start and finish while the database is down.
        events.finished("tick", nth=outage_started + 9, timeout=30)
        assert time.monotonic() - stopped_at >= 8
        assert scheduler.snapshot().pending_records > 0
        dedicated_postgres_server.start()
        assert scheduler.flush(60)
        assert scheduler.snapshot().store_ok
    finally:
        scheduler.shutdown(grace_seconds=2)
    rows = list(reversed(store.history(HistoryQuery(limit=500)).rows))
    finished = [e.record for e in events._events if type(e).__name__ == "RunFinished"]
    assert [row.id for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= len(finished) >= outage_started + 9
    assert {row.status for row in rows} == {RunStatus.SUCCEEDED}
    assert [row.started_at for row in rows] == sorted(row.started_at for row in rows)
    outage_lines = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    back_lines = [r for r in caplog.records if "database is back" in r.getMessage()]
    assert len(outage_lines) == 1 and len(back_lines) == 1
    store.close()


def test_locked_sqlite_database_is_an_outage_not_a_loss(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = open_store(url, sqlite_busy_timeout=0.2)
    events = EventLog()
    scheduler = JobScheduler(store, notifiers=[NoticeBox()])
    scheduler.add_listener(events)
    scheduler.register("quick", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    import sqlite3

    blocker = sqlite3.connect(tmp_path / "runs.db", timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        run_ids = [scheduler.run_job("quick").run_id]
        scheduler.wait_for_run(run_ids[0], 10)
        run_ids.append(scheduler.run_job("quick").run_id)
        scheduler.wait_for_run(run_ids[1], 10)
        wait_for(lambda: not scheduler.snapshot().store_ok, 15)
    finally:
        blocker.rollback()
        blocker.close()
    assert scheduler.flush(30)
    scheduler.shutdown()
    assert [store.get_run(i).status for i in run_ids] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
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
