"""The lease: one leader at a time, terms that grow, and the database refusing a replaced leader's writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore, open_store
from jobconsole.store.leadership import FencedError, LeaseHolder, Term

START = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def record(run_id: int, scheduled_for: datetime | None = START) -> RunRecord:
    return RunRecord(
        id=run_id, job_name="feed", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.RUNNING,
        run_mode=RunMode.THREAD, scheduled_for=scheduled_for, started_at=START,
    )


@pytest.fixture
def two_stores(database_url: str) -> Iterator[tuple[RunStore, RunStore]]:
    first, second = open_store(database_url), open_store(database_url)
    yield first, second
    first.close()
    second.close()


def lapse(database_url: str) -> None:
    """The leader stopped renewing and its lease ran out (what a paused or cut-off leader looks like)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE jobconsole_leadership SET expires_at = expires_at - 3600"))
    engine.dispose()


def test_one_leader_at_a_time_and_each_new_leader_has_the_next_term(two_stores, database_url) -> None:
    first, second = two_stores
    a = first.leadership("pid 1 on a")
    b = second.leadership("pid 2 on b")
    term_a = a.try_take()
    assert isinstance(term_a, Term) and term_a.epoch == 1 and term_a.previous == ""
    refused = b.try_take()
    assert isinstance(refused, LeaseHolder) and refused.holder == "pid 1 on a" and refused.live
    assert {s.holder: s.role for s in second.schedulers()} == {"pid 1 on a": "leader", "pid 2 on b": "standby"}
    assert a.renew(term_a) is None
    lapse(database_url)
    term_b = b.try_take()
    assert isinstance(term_b, Term) and term_b.epoch == 2 and term_b.previous == "pid 1 on a"
    # The first learns on its next renewal that it was replaced, and by whom.
    replaced_by = a.renew(term_a)
    assert replaced_by is not None and (replaced_by.holder, replaced_by.epoch) == ("pid 2 on b", 2)


def test_a_replaced_leader_can_write_nothing(two_stores, database_url) -> None:
    first, second = two_stores
    first.term = first.leadership("pid 1 on a").try_take()
    first.write([record(1)])
    lapse(database_url)
    second.term = second.leadership("pid 2 on b").try_take()
    # The first wakes up (SIGCONT, the network back) and writes what it had: refused, whole.
    with pytest.raises(FencedError, match="another scheduler leads .* now \\(term 2\\)"):
        first.write([record(2, START.replace(hour=4)), record(3, START.replace(hour=5))])
    rows = second.history(HistoryQuery()).rows
    assert [(row.id, row.leader_epoch) for row in rows] == [(1, 1)]
    second.write([record(2, START.replace(hour=4))])
    assert [row.leader_epoch for row in second.history(HistoryQuery()).rows] == [2, 1]


def test_the_database_keeps_one_row_per_scheduled_occurrence(two_stores) -> None:
    first, _ = two_stores
    first.term = first.leadership("pid 1 on a").try_take()
    first.write([record(1)])
    with pytest.raises(Exception, match="(?i)unique"):
        first.write([record(2)])
    # Manual runs have no occurrence: any number of them.
    first.write([
        RunRecord(id=n, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.RUNNING,
                  run_mode=RunMode.THREAD, scheduled_for=None, started_at=START)
        for n in (3, 4)
    ])
    assert len(first.history(HistoryQuery()).rows) == 3


def retry(run_id: int, first_run_id: int, attempt: int) -> RunRecord:
    return RunRecord(
        id=run_id, job_name="feed", triggered_by=TriggeredBy.RETRY, status=RunStatus.RUNNING, run_mode=RunMode.THREAD,
        scheduled_for=START.replace(minute=attempt), started_at=START, attempt=attempt, first_run_id=first_run_id,
    )


def test_the_database_keeps_one_row_per_attempt_of_a_run(two_stores, database_url) -> None:
    """The retry's counterpart of one row per occurrence: attempt 2 of run 1 is recorded once, whoever writes it."""
    first, second = two_stores
    first.term = first.leadership("pid 1 on a").try_take()
    first.write([record(1), retry(2, 1, 2)])
    with pytest.raises(Exception, match="(?i)unique"):
        first.write([retry(3, 1, 2)])
    # A replaced leader that still holds attempt 3 finds it recorded by its successor: it is told it was replaced.
    lapse(database_url)
    second.term = second.leadership("pid 2 on b").try_take()
    second.write([retry(3, 1, 3)])
    with pytest.raises(FencedError, match="term 2"):
        first.write([retry(4, 1, 3)])
    rows = second.history(HistoryQuery()).rows
    assert [(row.id, row.attempt, row.first_run_id, row.triggered_by) for row in rows] == [
        (3, 3, 1, TriggeredBy.RETRY), (2, 2, 1, TriggeredBy.RETRY), (1, 1, None, TriggeredBy.SCHEDULED),
    ]


def test_a_replaced_leader_whose_row_collides_with_its_successors_is_told_it_was_replaced(two_stores, database_url) -> None:
    """Paused past its lease, the first leader still holds a run of an occurrence its successor has since
    recorded (as missed): the unique index refuses the row before the term check runs. That is fencing
    too, and must say so (the engine keeps such records for the next leader to replay), not look like a
    bad record."""
    first, second = two_stores
    first.term = first.leadership("pid 1 on a").try_take()
    lapse(database_url)
    second.term = second.leadership("pid 2 on b").try_take()
    second.write([record(1)])
    with pytest.raises(FencedError, match="term 2"):
        first.write([record(2)])
