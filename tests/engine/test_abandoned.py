"""Runs left `running` by a scheduler that died are marked abandoned on the next start."""

from __future__ import annotations

import socket
import subprocess
from datetime import datetime, timedelta, timezone

from jobconsole.runs import RunMode, RunRecord, RunStatus, TriggeredBy


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def running_row(run_id: int, host: str, pid: int) -> RunRecord:
    started = datetime.now(timezone.utc) - timedelta(minutes=5)
    return RunRecord(
        id=run_id, job_name="scrape", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.RUNNING,
        run_mode=RunMode.PROCESS, scheduled_for=started, started_at=started,
        deadline_at=started + timedelta(minutes=30), host=host, pid=pid,
    )


def test_stale_runs_are_abandoned_with_when_and_why_and_notified(make_scheduler, store, notices) -> None:
    host = socket.gethostname()
    gone = dead_pid()
    store.write([
        running_row(1, host, gone),
        running_row(2, "other-host", gone),
    ])
    scheduler = make_scheduler()
    scheduler.start()
    abandoned = store.get_run(1)
    assert abandoned.status is RunStatus.ABANDONED and abandoned.success is False
    assert abandoned.finished_at is not None
    assert f"pid {gone} on {host}" in abandoned.error_message
    assert abandoned.duration_ms >= 5 * 60 * 1000
    # A run started on another host (a container since recreated) is abandoned too: the lease this
    # scheduler now holds fenced out whoever started it, so nothing will ever record its end.
    elsewhere = store.get_run(2)
    assert elsewhere.status is RunStatus.ABANDONED
    assert f"pid {gone} on other-host" in elsewhere.error_message
    notified = {(n.job_name, n.run_id, n.status) for n in (notices.get(), notices.get())}
    assert notified == {("scrape", 1, RunStatus.ABANDONED), ("scrape", 2, RunStatus.ABANDONED)}
    assert scheduler.snapshot().failures_24h == 2


def test_a_start_that_abandons_runs_tells_history_readers_to_read_again(make_scheduler, store) -> None:
    store.write([running_row(1, socket.gethostname(), dead_pid())])
    scheduler = make_scheduler()
    scheduler.start()
    # The console reloads its History page when the revision moves: the row it may have read
    # as running before the start is now abandoned.
    assert scheduler.snapshot().revision == 1


def test_a_start_with_nothing_to_abandon_leaves_the_history_as_it_was(make_scheduler, store) -> None:
    scheduler = make_scheduler()
    scheduler.start()
    assert scheduler.snapshot().revision == 0
