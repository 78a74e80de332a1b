"""Fill ``scheduled_job_runs`` with a realistic history, fast, through :meth:`RunStore.write`.

100 jobs (``job-000`` … ``job-099``), one run every 2.5 s ending now (a
million rows span about a month), ids 1…rows in time order. About 4 % of
runs fail (``success`` false, with an error), 1 % are skipped, the rest
succeed; durations and line counts vary. The mix is seeded, so every run of
the benchmark sees the same table.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore

JOBS = 100
SPACING = timedelta(seconds=2.5)
FILTER_JOB = "job-042"
"""The job the benchmark filters the history by (1 % of the rows)."""


def job_name(index: int) -> str:
    return f"job-{index:03d}"


def records(rows: int, *, end: datetime | None = None, seed: int = 4) -> Iterator[RunRecord]:
    rng = random.Random(seed)
    end = end or datetime.now(UTC)
    first = end - SPACING * rows
    host = "bench-host"
    for run_id in range(1, rows + 1):
        started = first + SPACING * run_id
        roll = rng.random()
        duration_ms = int(rng.expovariate(1 / 800))
        finished = started + timedelta(milliseconds=duration_ms)
        common = {
            "id": run_id,
            "job_name": job_name(run_id % JOBS),
            "triggered_by": TriggeredBy.SCHEDULED,
            "run_mode": RunMode.THREAD,
            "scheduled_for": started,
            "started_at": started,
            "finished_at": finished,
            "duration_ms": duration_ms,
            "host": host,
            "pid": 4242,
        }
        if roll < 0.04:
            yield RunRecord(
                status=RunStatus.FAILED,
                success=False,
                error_message=f"ValueError: row {rng.randrange(10_000)} of the feed is malformed",
                traceback="Traceback (most recent call last):\n  ...\nValueError: malformed row\n",
                ended_by=EndedBy.RETURNED,
                **common,
            )
        elif roll < 0.05:
            yield RunRecord(
                status=RunStatus.SKIPPED,
                error_message="skipped: the previous run is still in progress",
                **{**common, "finished_at": started, "duration_ms": 0},
            )
        else:
            yield RunRecord(
                status=RunStatus.SUCCEEDED,
                success=True,
                message="ok",
                lines_added=rng.randrange(0, 50),
                lines_processed=rng.randrange(50, 5_000),
                ended_by=EndedBy.RETURNED,
                **common,
            )


def seed(store: RunStore, rows: int, batch: int = 20_000) -> float:
    """Write ``rows`` runs into an empty store; returns the seconds it took."""
    began = time.perf_counter()
    chunk: list[RunRecord] = []
    for record in records(rows):
        chunk.append(record)
        if len(chunk) == batch:
            store.write(chunk)
            chunk = []
    if chunk:
        store.write(chunk)
    return time.perf_counter() - began
