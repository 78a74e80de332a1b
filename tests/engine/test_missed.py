"""Occurrences that fell while no scheduler was running follow the job's ``on_missed`` policy, and an
interval job keeps its phase across the restart (all on a ManualClock: no real waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.engine import ManualClock
from jobconsole.runs import HistoryQuery, RunStatus, TriggeredBy
from tests.engine import jobs_for_tests

START = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("policy", ["skip", "run_once"])
def test_occurrences_missed_while_no_scheduler_ran_follow_the_jobs_policy(make_scheduler, store, policy) -> None:
    clock = ManualClock(START)
    first = make_scheduler(clock=clock)
    first.register("feed", jobs_for_tests.succeed, schedule.every(10).seconds, on_missed=policy)
    first.start()
    clock.advance(10)
    first.settle()
    first.shutdown()

    clock.advance(300)  # five minutes with no scheduler
    second = make_scheduler(clock=clock)
    second.register("feed", jobs_for_tests.succeed, schedule.every(10).seconds, on_missed=policy)
    second.start()
    second.settle()
    rows = store.history(HistoryQuery(job_name="feed", limit=100)).rows
    missed = [row for row in rows if row.status is RunStatus.MISSED]
    catch_up = [row for row in rows if row.triggered_by is TriggeredBy.CATCH_UP]
    late = [
        row for row in rows
        if row.triggered_by is TriggeredBy.SCHEDULED and row.status is not RunStatus.MISSED
        and row.scheduled_for is not None and row.scheduled_for > START + timedelta(seconds=10)
    ]
    assert min(row.scheduled_for for row in missed) == START + timedelta(seconds=20)
    # Every occurrence from 00:20 to 05:10 is accounted for once: in a missed row or run on its own.
    assert sum(row.missed_count or 0 for row in missed) + len(late) == 30
    if policy == "run_once":
        # One catch-up run stands for all of them, recorded as such; none is run on its own.
        (run,) = catch_up
        assert run.status is RunStatus.SUCCEEDED and run.scheduled_for == START + timedelta(seconds=310)
        assert late == []
    else:
        assert catch_up == []
    # The interval job kept its phase: its next run is on the grid of the first scheduler's runs.
    (job,) = second.snapshot().jobs
    assert job.next_run is not None and (job.next_run - START).total_seconds() % 10 == 0
    assert job.next_run > clock.now() - timedelta(seconds=10)


def test_an_unknown_missed_policy_is_refused_naming_the_job(make_scheduler) -> None:
    scheduler = make_scheduler()
    with pytest.raises(ValueError, match="job 'feed': on_missed must be 'skip' or 'run_once', got 'later'"):
        scheduler.register("feed", jobs_for_tests.succeed, schedule.every(10).seconds, on_missed="later")
