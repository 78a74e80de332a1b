"""A job's next five due times, as the job view shows them: from the embedded scheduler, and as a leader
publishes them for attached consoles, worked out from the cadence without moving the job itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.attach.wire import decode_state, encode_snapshot
from jobconsole.engine import ManualClock
from jobconsole.engine.next_runs import FollowingTimes
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)  # a Thursday


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def scheduler(make_scheduler, clock):
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).minutes)
    scheduler.register("nightly", jobs_for_tests.succeed, schedule.every().day.at("03:00", "UTC"))
    scheduler.register("weekly", jobs_for_tests.succeed, schedule.every().monday.at("08:00", "UTC"))
    scheduler.register("jittery", jobs_for_tests.succeed, schedule.every(5).to(10).minutes)
    scheduler.start()
    return scheduler


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_next_five_due_times_follow_each_schedule(scheduler) -> None:
    assert scheduler.next_runs("tick") == tuple(START + timedelta(minutes=10 * n) for n in range(1, 6))
    assert scheduler.next_runs("nightly") == (
        utc(11, 27, 3), utc(11, 28, 3), utc(11, 29, 3), utc(11, 30, 3), utc(12, 1, 3)
    )
    assert scheduler.next_runs("weekly", 3) == (utc(11, 30, 8), utc(12, 7, 8), utc(12, 14, 8))
    (jittery,) = scheduler.next_runs("jittery")
    assert START + timedelta(minutes=5) <= jittery <= START + timedelta(minutes=10), "a random range: only the next"
    assert scheduler.next_runs("no_such_job") == ()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_due_times_move_on_after_a_run_and_asking_moves_nothing(scheduler, clock) -> None:
    before = scheduler.next_runs("tick", 20)
    assert scheduler.next_runs("tick") == before[:5], "asking for more did not move the job"
    assert next(job for job in scheduler.snapshot().jobs if job.name == "tick").next_run == before[0]

    clock.advance(timedelta(minutes=10))
    scheduler.settle()

    assert scheduler.next_runs("tick") == before[1:6]
    assert scheduler.next_runs("nightly")[0] == utc(11, 27, 3)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_attached_consoles_read_the_same_times_from_the_published_document(scheduler) -> None:
    snapshot = scheduler.snapshot()
    following = FollowingTimes()

    document = encode_snapshot(snapshot, following.of(snapshot))
    _, next_runs = decode_state(document)

    for name in ("tick", "nightly", "weekly", "jittery"):
        assert next_runs[name] == scheduler.next_runs(name), name
    assert '"following":[' in document and "[600,1200,1800,2400]" in document, "small whole numbers per job"
    assert following.of(snapshot) == following.of(snapshot)


def test_a_document_without_following_times_gives_the_next_run_only() -> None:
    published = '{"v":1,"taken_at":0,"state":"running","database":"x","demo":false,"failures_24h":0,"revision":1,' \
        '"store_ok":true,"pending":0,"jobs":[["tick","every 10 minutes",600,null,"thread",60,[],null,false]],"running":[]}'

    _, next_runs = decode_state(published)

    assert next_runs == {"tick": (datetime.fromtimestamp(600, timezone.utc),)}
