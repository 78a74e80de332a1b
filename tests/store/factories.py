"""Run records for store tests, built the way the engine builds them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, RunUpdate, TriggeredBy

EPOCH = datetime(2025, 3, 1, 3, 0, tzinfo=timezone.utc)

_SUCCESS = {
    RunStatus.RUNNING: None,
    RunStatus.SUCCEEDED: True,
    RunStatus.FAILED: False,
    RunStatus.TIMED_OUT: False,
    RunStatus.ABANDONED: False,
    RunStatus.STOPPED: None,
    RunStatus.SKIPPED: None,
}


def finished_run(run_id: int, job_name: str = "send_weekly_newsletter", status: RunStatus = RunStatus.SUCCEEDED) -> RunRecord:
    """A run that has ended with ``status``, started ``run_id`` minutes after EPOCH."""
    started = EPOCH + timedelta(minutes=run_id)
    failed = _SUCCESS[status] is False
    return RunRecord(
        id=run_id,
        job_name=job_name,
        triggered_by=TriggeredBy.SCHEDULED,
        status=status,
        run_mode=RunMode.THREAD,
        scheduled_for=started,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        deadline_at=started + timedelta(minutes=15),
        success=_SUCCESS[status],
        error_message=f"run {run_id} broke" if failed else None,
        duration_ms=2000,
        ended_by=EndedBy.RETURNED,
        host="worker-1",
        pid=4242,
    )


def started_run(run_id: int, job_name: str = "scrape_mep_meetings", started: datetime | None = None) -> RunRecord:
    """The row the engine inserts when a run starts."""
    started = started or EPOCH + timedelta(minutes=run_id)
    return RunRecord(
        id=run_id,
        job_name=job_name,
        triggered_by=TriggeredBy.MANUAL,
        status=RunStatus.RUNNING,
        run_mode=RunMode.PROCESS,
        scheduled_for=None,
        started_at=started,
        deadline_at=started + timedelta(minutes=15),
        host="worker-1",
        pid=5000 + run_id,
    )


def failure_update(run_id: int, finished: datetime) -> RunUpdate:
    """The update the engine writes when a process run raised."""
    return RunUpdate(
        id=run_id,
        status=RunStatus.FAILED,
        finished_at=finished,
        success=False,
        duration_ms=1500,
        error_message="ValueError: page 7 has no table",
        traceback='Traceback (most recent call last):\n  File "jobs.py", line 3, in scrape\nValueError: page 7 has no table\n',
        lines_processed=6,
        ended_by=EndedBy.RETURNED,
        exit_code=0,
    )
