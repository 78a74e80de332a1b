"""What the metrics count, on a ManualClock: ended runs by job and status, durations, lateness."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import schedule

from jobconsole import JobResult
from jobconsole.engine import ManualClock
from jobconsole.runs import RunStatus
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def fail(stop_event: object) -> JobResult:
    return JobResult(success=False, error="503")


def test_runs_are_counted_by_job_and_status_with_their_durations_and_lateness(make_scheduler) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    tally = scheduler.count_runs()
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(1).minutes)
    scheduler.register("feed", fail, schedule.every(1).minutes)
    scheduler.register("nightly", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    scheduler.start()
    for _ in range(3):
        clock.advance(60)
        scheduler.settle()
    clock.advance(90)  # 09:04:30: the 09:04 runs start half a minute late
    scheduler.settle()
    scheduler.wait_for_run(scheduler.run_job("nightly").run_id, 10)  # a manual run: no lateness
    scheduler.settle()

    assert sorted(tally.ended_counts()) == [("feed", "failed", 4), ("nightly", "succeeded", 1), ("tick", "succeeded", 4)]
    durations = dict(tally.duration_histograms())
    buckets, total = durations["tick"].cumulative()
    # The ManualClock stands still while a run runs: every run took no time.
    assert buckets[0] == (0.01, 4) and buckets[-1] == (math.inf, 4) and total == 0.0
    lateness, late_total = tally.lateness.cumulative()
    assert dict(lateness)[0.001] == 6 and dict(lateness)[10] == 6 and dict(lateness)[30] == 8
    assert late_total == 60.0


def test_skipped_occurrences_are_counted_without_a_duration(make_scheduler) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock, grace_seconds=0.5)
    tally = scheduler.count_runs()
    scheduler.register("long", jobs_for_tests.honour_stop_event, schedule.every(1).minutes)
    scheduler.start()
    clock.advance(60)
    scheduler.settle(include_runs=False)
    clock.advance(60)  # still running: this occurrence is skipped
    scheduler.settle(include_runs=False)
    assert tally.ended_counts() == [("long", RunStatus.SKIPPED.value, 1)]
    assert tally.duration_histograms() == []
