"""`jobconsole --no-ui` under real signals: SIGTERM (or SIGHUP) stops runs cleanly, kill -9 leaves evidence."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from jobconsole.runs import EndedBy, HistoryQuery, RunStatus
from jobconsole.store import open_store
from tests.cli.support import Server, wait_until


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_with_two_runs_in_progress_records_both_stopped_and_exits_0(
    database_url: str, signum: signal.Signals
) -> None:
    server = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
    server.wait_for_lines("run started", count=2)
    server.process.send_signal(signum)
    assert server.finish() == 0
    store = open_store(database_url)
    try:
        # Occurrences due while the two runs were still going are recorded as skipped; the runs themselves:
        rows = [row for row in store.history(HistoryQuery(limit=50)).rows if row.status is not RunStatus.SKIPPED]
    finally:
        store.close()
    assert sorted(row.job_name for row in rows) == ["long_process", "long_thread"]
    assert {row.status for row in rows} == {RunStatus.STOPPED}
    assert all(row.finished_at is not None for row in rows)
    log = "".join(server.lines)
    assert f"received {signum.name}; shutting down" in log
    assert log.count("status=stopped") == 2
    assert "Traceback" not in log


def _gone(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # reaped before or while reading
        return True


def test_kill_9_then_restart_marks_the_runs_abandoned(database_url: str, tmp_path: Path) -> None:
    first = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1",
                   env={"JOBCONSOLE_TEST_PID_DIR": str(tmp_path)})
    first.wait_for_lines("run started", count=2)
    store = open_store(database_url)
    try:
        # Start records are written by the recorder thread within milliseconds of the log line.
        running = wait_until(lambda: store.find_running() if len(store.find_running()) == 2 else None)
        # Both job bodies have begun (each leaves a pid file), the process one in its child.
        wait_until(lambda: True if len(list(tmp_path.glob("*.pid"))) == 2 else None)
        first.process.send_signal(signal.SIGKILL)
        first.finish()
        # The process run dies with its scheduler instead of working on unrecorded.
        [child_pid] = [int(p.stem) for p in tmp_path.glob("*.pid") if int(p.stem) != first.process.pid]
        wait_until(lambda: True if _gone(child_pid) else None)
        assert sorted(row.job_name for row in running) == ["long_process", "long_thread"]
        second = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
        second.wait_for_lines("scheduler started")
        second.process.send_signal(signal.SIGTERM)
        assert second.finish() == 0
        abandoned = [store.get_run(row.id) for row in running]
    finally:
        store.close()
    assert {row.status for row in abandoned} == {RunStatus.ABANDONED}
    for row in abandoned:
        assert row.success is False and row.finished_at is not None
        assert f"pid {first.process.pid}" in row.error_message
    log = "".join(second.lines)
    assert "marked 2 runs left by a scheduler that stopped leading abandoned" in log
    assert log.count("status=abandoned") == 2


def test_a_second_scheduler_stands_by_and_takes_over_when_the_leader_stops(database_url: str) -> None:
    first = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
    [started] = first.wait_for_lines("scheduler started")
    assert "term 1" in started
    second = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
    [waiting] = second.wait_for_lines("standing by")
    assert f"pid {first.process.pid} on " in waiting and "(term 1)" in waiting
    store = open_store(database_url)
    try:
        roles = {scheduler.holder: scheduler.role for scheduler in store.schedulers()}
    finally:
        store.close()
    assert roles == {f"pid {first.process.pid} on {socket.gethostname()}": "leader",
                     f"pid {second.process.pid} on {socket.gethostname()}": "standby"}
    assert "scheduler started" not in "".join(second.lines)
    first.process.send_signal(signal.SIGTERM)
    assert first.finish() == 0
    # The leader gave its lease up as it stopped: the standby takes over on its next look, not when the lease lapses.
    [taken_over] = second.wait_for_lines("scheduler started", timeout=5.0)
    assert "term 2" in taken_over
    second.process.send_signal(signal.SIGTERM)
    assert second.finish() == 0


def test_attach_with_no_live_scheduler_is_refused_with_one_line(database_url: str) -> None:
    never = Server("--attach", "--db", database_url, no_ui=False)
    assert never.finish() == 2
    [line] = never.lines
    assert line.startswith("jobconsole: error: cannot attach: no scheduler has ever led ")

    first = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
    first.wait_for_lines("scheduler started")
    first.process.send_signal(signal.SIGTERM)
    assert first.finish() == 0
    stopped = Server("--read-only", "--db", database_url, no_ui=False)
    assert stopped.finish() == 2
    [line] = stopped.lines
    assert line.startswith("jobconsole: error: cannot attach: no live scheduler leads ")
    assert line.rstrip().endswith(f"(pid {first.process.pid} on {socket.gethostname()}) has stopped (or lost its lease)")

    misuse = Server("--read-only", "--db", database_url)
    assert misuse.finish() == 2
    assert misuse.lines == ["jobconsole: error: --attach and --read-only are for the console; --no-ui runs a scheduler\n"]


def test_sigterm_to_the_whole_control_group_records_the_process_run_stopped(database_url: str, tmp_path: Path) -> None:
    """systemd's default KillMode=control-group sends SIGTERM to every process of the service at once,
    the process run's too: it must be a request to stop (stop_event, then the grace), not a crash."""
    server = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "5",
                    env={"JOBCONSOLE_TEST_PID_DIR": str(tmp_path)})
    server.wait_for_lines("run started", count=2)
    wait_until(lambda: True if len(list(tmp_path.glob("*.pid"))) == 2 else None)
    [child_pid] = [int(p.stem) for p in tmp_path.glob("*.pid") if int(p.stem) != server.process.pid]
    # The run's process first, as it may well be: it must not die of it.
    os.kill(child_pid, signal.SIGTERM)
    server.process.send_signal(signal.SIGTERM)
    assert server.finish() == 0
    store = open_store(database_url)
    try:
        rows = [row for row in store.history(HistoryQuery(limit=50)).rows if row.status is not RunStatus.SKIPPED]
    finally:
        store.close()
    (process_run,) = [row for row in rows if row.job_name == "long_process"]
    assert process_run.status is RunStatus.STOPPED, process_run.error_message
    assert process_run.ended_by is EndedBy.STOP_EVENT
    assert process_run.exit_code == 0
    assert "without a result" not in (process_run.error_message or "")


def test_the_same_sqlite_file_through_a_symlink_is_the_same_database(tmp_path: Path) -> None:
    real = tmp_path / "data" / "runs.db"
    real.parent.mkdir()
    link = tmp_path / "link-to-data"
    link.symlink_to(real.parent)
    first = Server("--jobs", "tests.cli.jobs_long", "--db", f"sqlite:///{real}", "--grace", "1")
    first.wait_for_lines("scheduler started")
    second = Server("--jobs", "tests.cli.jobs_long", "--db", f"sqlite:///{link / 'runs.db'}")
    [waiting] = second.wait_for_lines("standing by")
    assert f"pid {first.process.pid} on " in waiting
    second.process.send_signal(signal.SIGTERM)
    assert second.finish() == 0
    first.process.send_signal(signal.SIGTERM)
    assert first.finish() == 0


def test_job_output_is_kept_with_each_run_and_the_schedulers_stdout_stays_clean(database_url: str, tmp_path: Path) -> None:
    stdout = tmp_path / "stdout"
    server = Server("--jobs", "tests.cli.jobs_print", "--db", database_url, stdout=stdout)
    server.wait_for_lines("run finished job=talk_in_thread")
    server.wait_for_lines("run finished job=talk_in_process")
    server.process.send_signal(signal.SIGTERM)
    assert server.finish() == 0
    store = open_store(database_url)
    try:
        rows = {row.job_name: store.get_run(row.id) for row in reversed(store.history(HistoryQuery(limit=50)).rows)
                if row.status is RunStatus.SUCCEEDED}
    finally:
        store.close()
    thread_run, process_run = rows["talk_in_thread"], rows["talk_in_process"]
    assert thread_run.output.startswith(f"printed by pid {server.process.pid}\n")
    assert process_run.output.startswith("printed by pid ") and str(server.process.pid) not in process_run.output
    for row in (thread_run, process_run):
        assert row.output.splitlines()[1].endswith(" WARNING tests.talk: logged by the job")
    assert stdout.read_bytes() == b""
