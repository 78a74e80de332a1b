"""The leader's published state as JSON, and back.

The leader writes its :class:`~jobconsole.interface.EngineSnapshot` to the
database as one JSON document (see :mod:`jobconsole.engine.publisher`);
attached consoles and the shell CLI read it back into the same snapshot type,
so the console draws an attached scheduler exactly as an embedded one. Short
keys: the document is written a few times a second.

Beside the snapshot the document carries each job's due times after its next
run (``following``: seconds after it, in the order of ``jobs``), for the job
view; a reader of a document without them knows the next run only. See
:mod:`jobconsole.engine.next_runs` for why the times and not the schedule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from jobconsole.interface import EngineSnapshot, EngineState, JobView, LiveRunView, LiveState
from jobconsole.runs import RunMode, RunStatus, TriggeredBy

WIRE_VERSION = 1


def _ts(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


NextRuns = Mapping[str, tuple[datetime, ...]]
"""Each job's next due times as a leader published them, soonest first, by job name."""


def encode_snapshot(snapshot: EngineSnapshot, following: Mapping[str, Sequence[float]] | None = None) -> str:
    """The snapshot as a compact JSON document, with each job's ``following`` due times (seconds after its next run)."""
    document: dict[str, Any] = {
        "v": WIRE_VERSION,
        "taken_at": _ts(snapshot.taken_at),
        "state": snapshot.state.value,
        "database": snapshot.database,
        "demo": snapshot.demo,
        "failures_24h": snapshot.failures_24h,
        "revision": snapshot.revision,
        "store_ok": snapshot.store_ok,
        "pending": snapshot.pending_records,
        "jobs": [
            [
                job.name, job.schedule, _ts(job.next_run), job.last_status.value if job.last_status else None,
                job.run_mode.value, job.timeout_seconds, [status.value for status in job.recent],
                job.running_run_id, job.paused, job.retries, _ts(job.retry_at),
            ]
            for job in snapshot.jobs
        ],
        "running": [
            [
                run.run_id, run.job_name, run.run_mode.value, run.triggered_by.value, _ts(run.started_at),
                _ts(run.deadline), run.pid, run.state.value, run.next_step, _ts(run.next_step_at),
            ]
            for run in snapshot.running
        ],
    }
    if following is not None:
        document["following"] = [following.get(job.name, ()) for job in snapshot.jobs]
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def decode_snapshot(text: str) -> EngineSnapshot:
    """The snapshot a leader published; ValueError if the document is not one this version reads."""
    return decode_state(text)[0]


def decode_state(text: str) -> tuple[EngineSnapshot, NextRuns]:
    """The snapshot a leader published and its jobs' next due times; ValueError as :func:`decode_snapshot`."""
    try:
        document = json.loads(text)
        if document.get("v") != WIRE_VERSION:
            raise ValueError(f"published state of version {document.get('v')!r}; this jobconsole reads {WIRE_VERSION}")
        jobs = tuple(
            JobView(
                name=name,
                schedule=schedule,
                next_run=_time(next_run),
                last_status=RunStatus(last) if last else None,
                run_mode=RunMode(mode),
                timeout_seconds=timeout,
                recent=tuple(RunStatus(status) for status in recent),
                running_run_id=running,
                paused=paused,
                retries=retry[0] if retry else 0,
                retry_at=_time(retry[1]) if retry else None,
            )
            # A leader of an earlier release publishes no retries (the list ends at paused).
            for name, schedule, next_run, last, mode, timeout, recent, running, paused, *retry in document["jobs"]
        )
        running_runs = tuple(
            LiveRunView(
                run_id=run_id,
                job_name=job_name,
                run_mode=RunMode(mode),
                triggered_by=TriggeredBy(triggered_by),
                started_at=_time(started),  # type: ignore[arg-type]
                deadline=_time(deadline),  # type: ignore[arg-type]
                pid=pid,
                state=LiveState(state),
                next_step=next_step[0] if next_step else None,
                next_step_at=_time(next_step[1]) if next_step else None,
            )
            # A leader of an earlier release publishes no next step (the list ends at the state).
            for run_id, job_name, mode, triggered_by, started, deadline, pid, state, *next_step in document["running"]
        )
        following = document.get("following") or [()] * len(jobs)
        next_runs = {
            job.name: (job.next_run, *(job.next_run + timedelta(seconds=after) for after in later))
            for job, later in zip(jobs, following, strict=True)
            if job.next_run is not None
        }
        snapshot = EngineSnapshot(
            taken_at=_time(document["taken_at"]),  # type: ignore[arg-type]
            state=EngineState(document["state"]),
            database=document["database"],
            demo=document["demo"],
            jobs=jobs,
            running=running_runs,
            failures_24h=document["failures_24h"],
            revision=document["revision"],
            store_ok=document["store_ok"],
            pending_records=document["pending"],
        )
        return snapshot, next_runs
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"the published state cannot be read: {error}") from None
