"""Wall-clock steps (NTP, ``date -s``): timeouts keep to elapsed time, nothing stalls, nothing runs twice."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import schedule

from jobconsole.engine import ManualClock
from jobconsole.engine.events import RunTimedOut
from jobconsole.interface import LiveState
from jobconsole.runs import HistoryQuery, RunStatus
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def next_due(scheduler, name: str) -> datetime | None:
    return next(job.next_run for job in scheduler.snapshot().jobs if job.name == name)


def test_steps_forward_and_back_move_interval_jobs_and_no_timeout(make_scheduler, events, store, caplog) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).seconds)
    # 15:30 UTC every day (the test machine's local zone is UTC, as the builder's .at() reads it).
    scheduler.register("report", jobs_for_tests.succeed, schedule.every().day.at("15:30", "UTC"))
    scheduler.register("long", jobs_for_tests.honour_stop_event, schedule.every().day.at("03:00"), timeout_minutes=30)
    scheduler.start()
    long_run = scheduler.run_job("long").run_id

    clock.advance(10)
    scheduler.settle(include_runs=False)
    assert events.finished("tick").scheduled_for == START + timedelta(seconds=10)

    with caplog.at_level(logging.WARNING, logger="jobconsole.engine"):
        clock.step_wall(HOUR)
        scheduler.settle(include_runs=False)
    # The interval job keeps its phase in elapsed time: 10 s from the last run, on the new wall clock.
    assert next_due(scheduler, "tick") == START + HOUR + timedelta(seconds=20)
    # The calendar job's 15:30 was stepped over: it is run (late, once), and is next due tomorrow.
    report = events.finished("report")
    assert report.scheduled_for == START + timedelta(minutes=30) and report.status is RunStatus.SUCCEEDED
    assert next_due(scheduler, "report") == START + timedelta(days=1, minutes=30)
    # No run timed out early: 10 s of its 30 minutes have passed.
    (running,) = scheduler.snapshot().running
    assert running.run_id == long_run and running.state is LiveState.RUNNING
    steps = [r.getMessage() for r in caplog.records if "wall clock stepped" in r.getMessage()]
    assert steps == ["the wall clock stepped by +3600 s; the next due times of 1 interval jobs moved with it"]

    clock.advance(10)
    scheduler.settle(include_runs=False)
    assert events.finished("tick", nth=2).scheduled_for == START + HOUR + timedelta(seconds=20)

    clock.step_wall(-HOUR)
    scheduler.settle(include_runs=False)
    # No stall of an hour: the next tick is 10 s away on the wall clock stepped back.
    assert next_due(scheduler, "tick") == START + timedelta(seconds=30)
    assert next_due(scheduler, "report") == START + timedelta(days=1, minutes=30)
    clock.advance(10)
    scheduler.settle(include_runs=False)
    assert events.finished("tick", nth=3).scheduled_for == START + timedelta(seconds=30)

    # The long run times out when 30 minutes have passed, whatever the wall clock did meanwhile.
    assert not [e for e in events._events if isinstance(e, RunTimedOut)]
    clock.advance(timedelta(minutes=30) - timedelta(seconds=30))
    scheduler.settle()
    assert events.finished("long").status is RunStatus.TIMED_OUT

    rows = store.history(HistoryQuery(limit=100)).rows
    report_rows = [row for row in rows if row.job_name == "report"]
    assert len(report_rows) == 1, "the calendar job ran again after the clock stepped back"
    tick_rows = [row for row in rows if row.job_name == "tick"]
    dues = [row.scheduled_for for row in tick_rows]
    assert len(dues) == len(set(dues)), "an interval occurrence ran twice"
    # Every occurrence of the 29.5 minutes that passed at once (40 s ... 1,800 s: 177) was run or recorded.
    (missed,) = [row for row in tick_rows if row.error_message and row.error_message.startswith("missed ")]
    missed_count = int(missed.error_message.split()[1])
    assert missed.scheduled_for == START + timedelta(seconds=50)
    assert len(tick_rows) - 1 + missed_count == 3 + 177
    assert all(row.status.is_final for row in rows)


def test_a_step_while_the_loop_sleeps_toward_a_far_due_time_is_seen(make_scheduler, events) -> None:
    """The loop sleeps toward tomorrow's 03:00; the wall clock is stepped forward past it."""
    clock = ManualClock(START)
    started = threading.Event()
    scheduler = make_scheduler(clock=clock)
    scheduler.register("nightly", lambda stop_event: started.set(), schedule.every().day.at("15:00:30", "UTC"))
    scheduler.start()
    assert next_due(scheduler, "nightly") == START + timedelta(seconds=30)
    clock.step_wall(timedelta(seconds=45))
    scheduler.settle()
    assert started.is_set()
    assert events.finished("nightly").scheduled_for == START + timedelta(seconds=30)
