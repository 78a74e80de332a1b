"""A large batch is made just ahead of its due time and released at it: no run starts early,
no row says a run began before it did, and a late release moves the runs' start and deadline."""

from __future__ import annotations

import gc
import threading
from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.engine import ManualClock, SystemClock
from jobconsole.engine.dispatch import Dispatcher, Effects
from jobconsole.engine.events import RunStarted, RunTimedOut
from jobconsole.engine.jobs import build_job_spec
from jobconsole.engine.loop import STAGE_MIN_RUNS
from jobconsole.engine.stopping import StopPolicy
from jobconsole.engine.timers import Timers
from jobconsole.interface import EngineState
from jobconsole.runs import HistoryQuery, RunStatus

BATCH = STAGE_MIN_RUNS + 10


class LateWakingClock(SystemClock):
    """Real time, but a short wait (such as the last moments before a due batch is released) ends
    a quarter of a second late, as on a badly loaded machine."""

    OVERSHOOT = 0.25

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is not None and 0 < timeout < 0.01:
            condition.wait(timeout + self.OVERSHOOT)
        else:
            super().wait(condition, timeout)


def _batch_due_soon(scheduler, clock: SystemClock) -> tuple[datetime, dict[str, datetime], threading.Event]:
    """Register BATCH jobs due at the next whole second at least 0.4 s away; their bodies note when they began."""
    began: dict[str, datetime] = {}
    all_began = threading.Event()
    lock = threading.Lock()
    now = clock.now()
    due = (now + timedelta(seconds=1.4)).replace(microsecond=0)

    def body_for(name: str):
        def body(stop_event) -> None:
            at = clock.now()
            with lock:
                began[name] = at
                if len(began) == BATCH:
                    all_began.set()

        return body

    at = due.strftime("%H:%M:%S")
    for index in range(BATCH):
        name = f"batch-{index:03d}"
        scheduler.register(name, body_for(name), schedule.every().day.at(at))
    return due, began, all_began


@pytest.mark.real_time
@pytest.mark.parametrize("clock_type", [SystemClock, LateWakingClock], ids=["on-time", "late-release"])
def test_a_large_batch_starts_no_run_before_its_due_time_and_no_row_before_its_start(
    make_scheduler, store, clock_type
) -> None:
    clock = clock_type()
    scheduler = make_scheduler(clock=clock)
    scheduler.start()
    due, began, all_began = _batch_due_soon(scheduler, clock)
    assert all_began.wait(10), f"{len(began)} of {BATCH} bodies began"
    assert scheduler.flush(10)
    rows = store.history(HistoryQuery(limit=BATCH * 2)).rows
    assert len(rows) == BATCH and {row.status for row in rows} == {RunStatus.SUCCEEDED}
    first_body = min(began.values())
    assert first_body >= due, f"a body began {(due - first_body).total_seconds() * 1000:.1f} ms before its due time"
    for row in rows:
        assert row.scheduled_for == due
        assert due <= row.started_at <= began[row.job_name], (row.job_name, row.started_at, began[row.job_name])
        # The row's start is the release's, not a plan the release missed.
        assert began[row.job_name] - row.started_at < timedelta(seconds=LateWakingClock.OVERSHOOT * 0.8)
        assert row.deadline_at == row.started_at + timedelta(minutes=15)
    scheduler.settle(10)
    assert gc.isenabled(), "the collector stayed paused after the batch was over"


def test_a_batch_released_late_times_out_from_its_release_not_from_its_plan() -> None:
    clock = ManualClock(datetime(2026, 12, 3, 2, 59, 59, 990_000, tzinfo=timezone.utc))
    dispatcher = Dispatcher(clock, ("host", 1), Timers(), StopPolicy())
    dispatcher.has_listeners = True
    dispatcher.add_job(build_job_spec("quick", lambda stop_event: None, schedule.every().day.at("03:00"), False, 0.01))
    dispatcher.set_state(EngineState.RUNNING)
    due = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)
    dispatcher.due.arm("quick", due)
    planned_mono = clock.monotonic() + 0.01
    effects = Effects()
    dispatcher.on_due(due, planned_mono, effects)
    (run,) = effects.tasks
    clock.advance(0.05)  # released 40 ms after its due time
    dispatcher.restamp(effects, clock.now(), clock.monotonic())
    assert run.record.started_at == clock.now() and run.record.deadline_at == clock.now() + timedelta(seconds=0.6)
    (started,) = [event for event in effects.events if isinstance(event, RunStarted)]
    assert started.record.started_at == clock.now()

    later = Effects()
    dispatcher.on_deadlines(planned_mono + 0.6, later)  # the planned deadline: 40 ms too early
    assert not any(isinstance(event, RunTimedOut) for event in later.events)
    assert not run.timed_out
    dispatcher.on_deadlines(clock.monotonic() + 0.6, later)
    assert run.timed_out and [type(event) for event in later.events] == [RunTimedOut]
    dispatcher.on_deadlines(clock.monotonic() + 10, later)
    assert len(later.events) == 1, "the run timed out twice"
