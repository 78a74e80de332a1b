"""The published state read back by an attached console or the CLI: the same snapshot the leader had."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from jobconsole.attach.wire import decode_snapshot, encode_snapshot
from jobconsole.interface import EngineSnapshot, EngineState, JobView, LiveRunView, LiveState
from jobconsole.runs import RunMode, RunStatus, TriggeredBy

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def _snapshot(*running: LiveRunView) -> EngineSnapshot:
    return EngineSnapshot(
        taken_at=START + timedelta(seconds=95), state=EngineState.RUNNING, database="sqlite:///runs.db", demo=False,
        jobs=(), running=running, failures_24h=0, revision=7, store_ok=True, pending_records=0,
    )


def _run(run_id: int, mode: RunMode, state: LiveState, step: str | None, at: datetime | None) -> LiveRunView:
    return LiveRunView(
        run_id=run_id, job_name="crunch", run_mode=mode, triggered_by=TriggeredBy.SCHEDULED, started_at=START,
        deadline=START + timedelta(seconds=60), pid=4242 if mode is RunMode.PROCESS else None, state=state,
        next_step=step, next_step_at=at,
    )


def test_what_comes_next_to_a_run_past_its_timeout_crosses_the_wire() -> None:
    snapshot = _snapshot(
        _run(1, RunMode.PROCESS, LiveState.TERMINATING, "SIGKILL", START + timedelta(seconds=100)),
        _run(2, RunMode.THREAD, LiveState.OVERDUE, None, None),
    )
    assert tuple(decode_snapshot(encode_snapshot(snapshot)).running) == tuple(snapshot.running)


def test_a_snapshot_from_a_leader_that_publishes_no_next_step_still_reads() -> None:
    document = json.loads(encode_snapshot(_snapshot(_run(1, RunMode.PROCESS, LiveState.OVERDUE, "SIGTERM", START))))
    document["running"] = [run[:8] for run in document["running"]]
    [run] = decode_snapshot(json.dumps(document)).running
    assert (run.state, run.next_step, run.next_step_at) == (LiveState.OVERDUE, None, None)


def _job(name: str, retries: int, retry_at: datetime | None = None) -> JobView:
    return JobView(
        name=name, schedule="every 10 minutes", next_run=START, last_status=RunStatus.FAILED, run_mode=RunMode.THREAD,
        timeout_seconds=60.0, recent=(RunStatus.FAILED,), running_run_id=None, retries=retries, retry_at=retry_at,
    )


def test_a_jobs_retries_cross_the_wire_and_a_leader_that_publishes_none_still_reads() -> None:
    snapshot = replace(_snapshot(), jobs=(_job("feed", 2, START + timedelta(seconds=12.5)), _job("plain", 0)))
    assert tuple(decode_snapshot(encode_snapshot(snapshot)).jobs) == tuple(snapshot.jobs)
    document = json.loads(encode_snapshot(snapshot))
    document["jobs"] = [job[:9] for job in document["jobs"]]
    assert [(job.retries, job.retry_at) for job in decode_snapshot(json.dumps(document)).jobs] == [(0, None), (0, None)]
