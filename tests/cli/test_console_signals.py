"""The console under the signals that end it from outside: SIGTERM (``kill``) and SIGHUP (the SSH
connection dropped). Either one stops the runs in progress and records them ``stopped``, as a
confirmed quit does, instead of leaving them for the next scheduler to find abandoned."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from jobconsole.runs import HistoryQuery, RunRecord, RunStatus
from jobconsole.store import open_store
from tests.cli.support import ConsoleInPty, wait_until

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"


def _start_with_two_runs(database_url: str, pid_dir: Path) -> ConsoleInPty:
    """The console on two long runs (a thread and a process), once both job bodies have begun."""
    console = ConsoleInPty("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1",
                           env={"JOBCONSOLE_TEST_PID_DIR": str(pid_dir)})
    store = open_store(database_url)
    try:
        wait_until(lambda: True if len(store.find_running()) == 2 else None, timeout=30)
    finally:
        store.close()
    wait_until(lambda: True if len(list(pid_dir.glob("*.pid"))) == 2 else None)
    return console


def _runs(database_url: str) -> list[RunRecord]:
    """The two runs (occurrences due while they ran are recorded skipped, and left out)."""
    store = open_store(database_url)
    try:
        rows = store.history(HistoryQuery(limit=50)).rows
    finally:
        store.close()
    return sorted((row for row in rows if row.status is not RunStatus.SKIPPED), key=lambda row: row.job_name)


@pytest.mark.parametrize("ending", ["SIGTERM", "SIGHUP"])
def test_a_signal_stops_both_runs_records_them_stopped_and_exits_0(
    database_url: str, tmp_path: Path, ending: str
) -> None:
    console = _start_with_two_runs(database_url, tmp_path)
    if ending == "SIGTERM":
        console.signal(signal.SIGTERM)
    else:
        console.hang_up()
    assert console.finish() == 0
    runs = _runs(database_url)
    assert [run.job_name for run in runs] == ["long_process", "long_thread"]
    for run in runs:
        assert run.status is RunStatus.STOPPED, run
        assert run.finished_at is not None and "stopped at scheduler shutdown" in (run.error_message or "")
    if ending == "SIGTERM":
        # The terminal is still there, and the console gave it back as it found it.
        assert LEAVE_ALTERNATE_SCREEN in console.output


def test_after_sighup_a_new_console_starts_on_the_same_database(database_url: str, tmp_path: Path) -> None:
    console = _start_with_two_runs(database_url, tmp_path)
    console.hang_up()
    assert console.finish() == 0
    # The scheduler's claim on the database went with it: a second console is not refused.
    (tmp_path / "second").mkdir()
    second = _start_with_two_runs(database_url, tmp_path / "second")
    second.signal(signal.SIGTERM)
    assert second.finish() == 0
