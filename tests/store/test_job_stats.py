"""A job's statistics from its stored runs, on SQLite and on PostgreSQL: only its own finished runs, the
newest ``last`` of them, success rate and p50 / p95 durations as an operator would work them out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from jobconsole.runs import RunRecord, RunStatus
from jobconsole.store import RunStore, open_store
from tests.store.factories import finished_run, started_run

JOB = "send_weekly_newsletter"
OTHER = "scrape_mep_meetings"


def run(run_id: int, seconds: float, status: RunStatus = RunStatus.SUCCEEDED, job: str = JOB) -> RunRecord:
    return replace(finished_run(run_id, job, status), duration_ms=round(seconds * 1000))


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def test_stats_of_the_last_finished_runs_of_one_job(store: RunStore) -> None:
    # 1 s, 2 s, ... 20 s; every fifth run failed; another job's and unfinished rows in between.
    runs = [run(i, i, RunStatus.FAILED if i % 5 == 0 else RunStatus.SUCCEEDED) for i in range(1, 21)]
    runs += [run(100 + i, 999, job=OTHER) for i in range(5)]
    skipped = replace(finished_run(200, JOB, RunStatus.SKIPPED), duration_ms=0)
    store.write([*runs, skipped, started_run(201, JOB)])

    stats = store.job_stats(JOB)

    assert stats.count == 20 and stats.succeeded == 16
    assert stats.success_rate == pytest.approx(0.8)
    assert stats.durations == tuple(float(i) for i in range(1, 21)), "oldest first, other jobs and unfinished rows left out"
    assert stats.p50_seconds == 10.0
    assert stats.p95_seconds == 19.0
    assert stats.slow_after == 38.0


def test_only_the_newest_runs_count(store: RunStore) -> None:
    store.write([run(i, 100 if i <= 100 else 1) for i in range(1, 151)])

    stats = store.job_stats(JOB, last=100)

    assert stats.count == 100
    assert stats.durations[:50] == (100.0,) * 50 and stats.durations[50:] == (1.0,) * 50
    assert (stats.p50_seconds, stats.p95_seconds) == (1.0, 100.0)


def test_timed_out_stopped_and_abandoned_runs_count_but_abandoned_ones_have_no_duration(store: RunStore) -> None:
    abandoned = replace(finished_run(4, JOB, RunStatus.ABANDONED), duration_ms=None)
    store.write([run(1, 3), run(2, 900, RunStatus.TIMED_OUT), run(3, 5, RunStatus.STOPPED), abandoned])

    stats = store.job_stats(JOB)

    assert (stats.count, stats.succeeded) == (4, 1)
    assert stats.durations == (3.0, 900.0, 5.0)
    assert stats.p95_seconds == 900.0
    assert stats.slow_after is None, "too few runs to call one slow"


def test_a_job_without_runs_has_empty_stats(store: RunStore) -> None:
    stats = store.job_stats("never_ran")

    assert (stats.count, stats.success_rate, stats.p50_seconds, stats.p95_seconds, stats.durations) == (0, None, None, None, ())
    assert not stats.is_slow(10_000)
