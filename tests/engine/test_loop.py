"""The engine loop: one owner, a published snapshot that never runs ahead of the records, run-until-idle."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import schedule

from jobconsole.engine import ManualClock
from jobconsole.engine.events import RunStarted
from jobconsole.engine.recorder import RunRecorder
from jobconsole.interface import EngineState
from jobconsole.runs import HistoryQuery, RunStatus
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def daily() -> schedule.Job:
    return schedule.every().day.at("03:00")


def test_history_read_when_the_snapshot_says_written_has_every_ended_run_final(
    make_scheduler, store, monkeypatch
) -> None:
    """The console reads the history again when (revision, all records written) changes. Slow the
    hand-over of rows to the recorder, as a busy machine would, and read as the console does:
    whenever a snapshot says everything is written, every run it no longer shows running is final."""
    original = RunRecorder.submit_many

    def slow_hand_over(recorder: RunRecorder, ops) -> None:
        time.sleep(0.1)
        original(recorder, ops)

    monkeypatch.setattr(RunRecorder, "submit_many", slow_hand_over)
    release = threading.Event()

    def wait_for_release(stop_event) -> None:
        release.wait(10)

    scheduler = make_scheduler()
    scheduler.register("held", wait_for_release, daily())
    scheduler.start()
    run_ids = []
    checked = 0
    seen: tuple[int, bool] | None = None
    for _ in range(3):
        release.clear()
        result = scheduler.run_job("held")
        assert result.ok, result.message
        run_ids.append(result.run_id)
        assert scheduler.flush()  # its row is in the database, as running
        release.set()
        deadline = time.monotonic() + 10
        while True:
            snapshot = scheduler.snapshot()
            freshness = (snapshot.revision, snapshot.pending_records == 0)
            if freshness != seen:
                seen = freshness
                if freshness[1]:
                    checked += 1
                    in_progress = {run.run_id for run in snapshot.running}
                    for run_id in run_ids:
                        row = store.get_run(run_id)
                        assert row is not None, f"snapshot {snapshot.revision} says written; run {run_id} has no row"
                        if run_id not in in_progress:
                            assert row.status is RunStatus.SUCCEEDED, (
                                f"run {run_id} has ended in snapshot {snapshot.revision}, but its row says {row.status}"
                            )
            if run_ids[-1] not in {run.run_id for run in snapshot.running} and freshness[1]:
                break
            assert time.monotonic() < deadline, "the run never showed as ended and written"
    assert checked >= 3


def test_snapshot_is_the_same_object_until_something_changes(make_scheduler, events) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).seconds)
    scheduler.start()
    first = scheduler.snapshot()
    # Reading has no side effect and builds nothing: the same published picture every time.
    assert scheduler.snapshot() is first
    clock.advance(10)
    scheduler.settle()
    after = scheduler.snapshot()
    assert after is not first and after.revision > first.revision
    assert after.jobs[0].recent == (RunStatus.SUCCEEDED,)


def test_the_snapshot_can_be_read_while_the_loop_is_held_up(make_scheduler) -> None:
    """A listener runs on the loop's thread; one that blocks holds the loop up. Readers don't wait for it."""
    holding = threading.Event()
    release = threading.Event()

    def block_the_loop(event) -> None:
        if isinstance(event, RunStarted):
            holding.set()
            release.wait(10)

    scheduler = make_scheduler()
    scheduler.register("quick", jobs_for_tests.return_none, daily())
    scheduler.add_listener(block_the_loop)
    scheduler.start()
    trigger = threading.Thread(target=scheduler.run_job, args=("quick",))
    trigger.start()
    try:
        assert holding.wait(10)
        snapshot = scheduler.snapshot()
        # Published before the listener was called: the run shows, although the loop is still held.
        assert [run.job_name for run in snapshot.running] == ["quick"]
        assert not release.is_set() and trigger.is_alive()
    finally:
        release.set()
        trigger.join(10)


def test_settle_runs_until_idle_under_a_manual_clock(make_scheduler, store) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).seconds)
    scheduler.register("fail", jobs_for_tests.report_failure, schedule.every(15).seconds)
    scheduler.start()
    for _ in range(6):
        clock.advance(5)
        scheduler.settle()
    # 30 s: tick at 10, 20, 30 and fail at 15 and 30, each ended and written.
    rows = store.history(HistoryQuery(limit=50)).rows
    assert sorted((row.job_name, row.scheduled_for - START) for row in rows) == [
        ("fail", timedelta(seconds=15)),
        ("fail", timedelta(seconds=30)),
        ("tick", timedelta(seconds=10)),
        ("tick", timedelta(seconds=20)),
        ("tick", timedelta(seconds=30)),
    ]
    assert all(row.status.is_final for row in rows)
    snapshot = scheduler.snapshot()
    assert snapshot.pending_records == 0 and snapshot.store_ok
    assert snapshot.failures_24h == 2 and snapshot.state is EngineState.RUNNING


def test_a_stubborn_run_at_shutdown_waits_the_grace_on_the_scheduler_clock(make_scheduler, store) -> None:
    clock = ManualClock(START)
    saw_stop = threading.Event()
    release = threading.Event()

    def stubborn(stop_event) -> None:
        stop_event.wait(60)
        saw_stop.set()
        release.wait(60)

    scheduler = make_scheduler(clock=clock)
    scheduler.register("stubborn", stubborn, daily())
    scheduler.start()
    run_id = scheduler.run_job("stubborn").run_id
    # A grace of ten minutes: only the clock can make it pass within this test.
    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"grace_seconds": 600})
    stopper.start()
    try:
        assert saw_stop.wait(10), "shutdown never set the run's stop_event"
        assert stopper.is_alive()
        scheduler.settle(include_runs=False)
        stopping = scheduler.snapshot()
        # What a console counts down to: the grace on the scheduler's clock.
        assert stopping.state is EngineState.STOPPING
        assert stopping.shutdown_deadline == START + timedelta(seconds=600)
        assert [run.run_id for run in stopping.running] == [run_id]
        clock.advance(600)
        stopper.join(10)
        assert not stopper.is_alive(), "shutdown still waiting after the grace passed on the scheduler's clock"
    finally:
        release.set()
    row = store.get_run(run_id)
    assert row.status is RunStatus.STOPPED
    assert row.error_message == "stopped at scheduler shutdown (shutdown); still running 600 s after its stop_event was set"
    assert scheduler.snapshot().state is EngineState.STOPPED
