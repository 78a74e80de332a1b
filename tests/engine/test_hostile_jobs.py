"""Whatever a job raises or returns, its run ends, is recorded, and the job keeps being scheduled."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import schedule

from jobconsole.engine import ManualClock
from jobconsole.engine.outcome import ERROR_LIMIT, TRACEBACK_LIMIT
from jobconsole.runs import HistoryQuery, RunStatus
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("run_in_process", [False, True], ids=["thread", "process"])
def test_an_exception_whose_str_and_repr_raise_ends_the_run_failed(
    make_scheduler, events, notices, store, run_in_process
) -> None:
    clock = ManualClock(START)
    scheduler = make_scheduler(clock=clock)
    scheduler.register("hostile", jobs_for_tests.raise_hostile, schedule.every(10).seconds, run_in_process=run_in_process)
    scheduler.start()
    clock.advance(10)
    first = events.finished("hostile", timeout=30)
    assert first.status is RunStatus.FAILED
    assert first.error_message == "HostileError: <HostileError whose str() raised RuntimeError>"
    assert "in raise_hostile" in first.traceback
    assert notices.get().run_id == first.id
    # Not wedged: the next occurrence runs too.
    clock.advance(10)
    assert events.finished("hostile", nth=2, timeout=30).status is RunStatus.FAILED
    scheduler.settle(30)
    rows = store.history(HistoryQuery(job_name="hostile")).rows
    assert [row.status for row in rows] == [RunStatus.FAILED, RunStatus.FAILED]
    assert "in raise_hostile" in store.get_run(rows[0].id).traceback


def test_texts_a_database_would_refuse_are_made_to_fit_visibly(make_scheduler, store) -> None:
    scheduler = make_scheduler()
    scheduler.register("unprintable", jobs_for_tests.return_unprintable_result, schedule.every().day.at("03:00"))
    scheduler.register("huge", jobs_for_tests.fail_with_a_huge_traceback, schedule.every().day.at("03:00"))
    scheduler.start()
    for name in ("unprintable", "huge"):
        assert scheduler.wait_for_run(scheduler.run_job(name).run_id, 20)
    assert scheduler.flush()
    (unprintable,) = store.history(HistoryQuery(job_name="unprintable")).rows
    assert unprintable.error_message == "HostileError: <HostileError whose str() raised RuntimeError>"
    # NUL cannot be stored in PostgreSQL text; ESC would drive a terminal: both are shown, not kept raw.
    assert unprintable.message == "\\x00partial\\x1b[2J batch"
    (page_row,) = store.history(HistoryQuery(job_name="huge")).rows
    huge = store.get_run(page_row.id)  # the whole row, traceback included
    assert huge.status is RunStatus.FAILED
    assert len(huge.error_message) <= ERROR_LIMIT and "characters cut] …" in huge.error_message
    assert huge.error_message.startswith("ValueError: xxx") and huge.error_message.endswith("xxx")
    assert len(huge.traceback) <= TRACEBACK_LIMIT and "characters cut] …" in huge.traceback
    assert huge.traceback.startswith("Traceback (most recent call last):")
