"""Dispatch: on time, on the grid, never two runs of one job at once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.engine import ManualClock, SystemClock
from jobconsole.runs import HistoryQuery, RunStatus, TriggeredBy
from jobconsole.result import JobResult
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def test_interval_runs_follow_the_grid_even_when_dispatch_is_late(make_scheduler, events, store) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).seconds)
    scheduler.start()
    # The first occurrence is dispatched 3 s late; the next one is still due on the grid.
    clock.advance(13)
    first = events.started("tick")
    assert first.scheduled_for == START + timedelta(seconds=10)
    events.finished("tick")
    assert scheduler.snapshot().jobs[0].next_run == START + timedelta(seconds=20)
    clock.advance(7)
    second = events.started("tick", nth=2)
    assert second.scheduled_for == START + timedelta(seconds=20)
    assert second.started_at == START + timedelta(seconds=20)


def test_a_jobs_view_is_handed_out_again_until_something_about_the_job_changes(make_scheduler, events) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).seconds)
    scheduler.register("daily", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    before = {job.name: job for job in scheduler.snapshot().jobs}
    # The console redoes a job's cells only for a new view: nothing changed, so none.
    assert all(job is before[job.name] for job in scheduler.snapshot().jobs)
    clock.advance(10)
    events.finished("tick")
    after = {job.name: job for job in scheduler.snapshot().jobs}
    assert after["daily"] is before["daily"]
    assert after["tick"] is not before["tick"]
    assert after["tick"].recent == (RunStatus.SUCCEEDED,) and after["tick"].next_run == START + timedelta(seconds=20)


def test_registering_while_running_wakes_the_dispatcher(make_scheduler, events) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.start()
    scheduler.register("late_comer", jobs_for_tests.succeed, schedule.every(5).seconds)
    assert scheduler.snapshot().jobs[0].next_run == START + timedelta(seconds=5)
    clock.advance(5)
    assert events.finished("late_comer").status is RunStatus.SUCCEEDED


def test_job_still_running_when_due_gets_a_skipped_record(make_scheduler, events, store) -> None:
    clock = ManualClock(START)
    release = threading.Event()
    concurrent = []
    running = threading.Semaphore(1)

    def slow(stop_event) -> JobResult:
        if not running.acquire(blocking=False):
            concurrent.append("two runs at once")
        release.wait(30)
        running.release()
        return JobResult(success=True)

    scheduler = make_scheduler(clock=clock)
    scheduler.register("slow", slow, schedule.every(10).seconds, timeout_minutes=60)
    scheduler.start()
    clock.advance(10)
    first = events.started("slow")
    clock.advance(10)
    skipped = events.finished("slow")
    assert skipped.status is RunStatus.SKIPPED
    assert skipped.scheduled_for == START + timedelta(seconds=20)
    assert f"run {first.id} of slow is still in progress" in skipped.error_message
    refused = scheduler.run_job("slow")
    assert not refused.ok and "already running" in refused.message
    release.set()
    assert events.finished("slow", nth=2).status is RunStatus.SUCCEEDED
    scheduler.flush()
    rows = store.history(HistoryQuery(job_name="slow")).rows
    # Newest first: the skipped occurrence came after the run it skipped for.
    assert [(row.id, row.status) for row in rows] == [
        (skipped.id, RunStatus.SKIPPED),
        (first.id, RunStatus.SUCCEEDED),
    ]
    assert concurrent == []


def test_run_job_starts_a_manual_run_now(make_scheduler, events, store) -> None:
    scheduler = make_scheduler()
    scheduler.register("newsletter", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    result = scheduler.run_job("newsletter")
    assert result.ok and result.run_id is not None
    assert scheduler.wait_for_run(result.run_id, 10)
    scheduler.flush()
    row = store.get_run(result.run_id)
    assert row.triggered_by is TriggeredBy.MANUAL
    assert row.status is RunStatus.SUCCEEDED
    assert (row.lines_added, row.lines_processed, row.message) == (3, 7, "all good")
    assert not scheduler.run_job("no_such_job").ok


class ShiftedClock(SystemClock):
    """Real time, shifted so that "now" is exactly 200 ms before a whole second when :meth:`aim` is called."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def aim(self) -> None:
        """Shift by less than a second (the engine takes no step that small for a wall-clock step)."""
        real = datetime.now(timezone.utc) + self.offset
        self.offset += real.replace(microsecond=800_000) - real

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


@pytest.mark.real_time
def test_a_job_due_in_200_ms_starts_soon_after_its_due_time_on_the_real_clock(make_scheduler) -> None:
    """The one dispatch test on the real clock: the loop's sleep toward a due time really ends then.
    The bound tolerates a loaded 2-core machine; the precise figures are benchmarks' (benchmarks/RESULTS.md)."""
    clock = ShiftedClock()
    started_at: list[datetime] = []
    began = threading.Event()

    def note_start(stop_event) -> None:
        started_at.append(clock.now())
        began.set()

    scheduler = make_scheduler(clock=clock)
    scheduler.start()
    clock.aim()
    registered = clock.now()
    due = (registered + timedelta(seconds=1)).replace(microsecond=0)
    scheduler.register("soon", note_start, schedule.every().day.at(due.strftime("%H:%M:%S")))
    assert scheduler.snapshot().jobs[0].next_run == due
    assert 0.15 < (due - registered).total_seconds() <= 0.2
    assert began.wait(5)
    lateness = (started_at[0] - due).total_seconds()
    assert 0 <= lateness < 0.5, f"started {lateness * 1000:.1f} ms after its due time"


def test_the_trail_of_past_outcomes_is_loaded_from_history(make_scheduler, store) -> None:
    first = make_scheduler()
    first.register("feed", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    first.start()
    for _ in range(3):
        first.wait_for_run(first.run_job("feed").run_id, 10)
    first.shutdown()
    again = make_scheduler()
    again.register("feed", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    again.start()
    deadline = time.monotonic() + 10
    while not (job := again.snapshot().jobs[0]).recent:
        assert time.monotonic() < deadline, "trail never loaded"
        time.sleep(0.01)
    assert job.recent == (RunStatus.SUCCEEDED,) * 3 and job.last_status is RunStatus.SUCCEEDED
