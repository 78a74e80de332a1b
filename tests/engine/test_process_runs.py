"""Process runs: results come back, crashes are named, timeouts end the whole group."""

from __future__ import annotations

import functools
import os
from datetime import datetime, timedelta, timezone
import re
import signal
import time
from pathlib import Path

import pytest
import schedule

from jobconsole.engine import ManualClock
from jobconsole.engine.output import OUTPUT_HEAD_BYTES, OUTPUT_TAIL_BYTES
from jobconsole.interface import LiveState
from jobconsole.runs import EndedBy, RunMode, RunStatus, ended_by_words
from tests.cli.support import wait_until
from tests.engine import jobs_for_tests


def run_process_job(make_scheduler, store, func, timeout_minutes: float = 1, **options):
    scheduler = make_scheduler(**options)
    scheduler.register(func.__name__, func, schedule.every().day.at("03:00"), run_in_process=True,
                       timeout_minutes=timeout_minutes)
    scheduler.start()
    result = scheduler.run_job(func.__name__)
    assert result.ok, result.message
    assert scheduler.wait_for_run(result.run_id, 30)
    assert scheduler.flush(10)
    return store.get_run(result.run_id)


def test_process_result_comes_back(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.succeed)
    assert row.run_mode is RunMode.PROCESS
    assert row.status is RunStatus.SUCCEEDED
    assert (row.lines_added, row.lines_processed, row.message) == (3, 7, "all good")
    assert row.ended_by is EndedBy.RETURNED and row.exit_code == 0


def test_exception_in_process_keeps_traceback_with_file_and_line(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.raise_error)
    assert row.status is RunStatus.FAILED
    line = next(n for n, text in enumerate(Path(jobs_for_tests.__file__).read_text().splitlines(), 1)
                if "RAISE-LINE" in text)
    assert f'jobs_for_tests.py", line {line}, in parse_row' in row.traceback


def test_a_process_run_whose_job_raised_says_raised_and_its_exit_code(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.raise_error)
    assert row.ended_by is EndedBy.RAISED and row.exit_code == 0
    assert ended_by_words(row) == "raised"


def test_process_exiting_with_code_3_is_failed_with_the_code(make_scheduler, store, notices) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.exit_with_code_3)
    assert row.status is RunStatus.FAILED and row.exit_code == 3
    assert row.error_message == "process exited with code 3 without a result"
    assert row.ended_by is EndedBy.CRASHED
    assert ended_by_words(row) == "exited 3"
    assert notices.get().run_id == row.id


def test_process_killed_by_sigsegv_is_failed_with_the_signal(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.segfault)
    assert row.status is RunStatus.FAILED and row.exit_code == -11
    assert row.error_message == "process killed by SIGSEGV (11) without a result"
    assert ended_by_words(row) == "signal 11"


def test_a_process_that_killed_itself_says_sigkill(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.kill_myself_with_sigkill)
    assert (row.status, row.ended_by, row.exit_code) == (RunStatus.FAILED, EndedBy.CRASHED, -9)
    assert ended_by_words(row) == "SIGKILL"


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):  # reaped before or while reading
        return True
    return "\nState:\tZ" in status


def test_timeout_ends_a_busy_child_and_its_grandchild(make_scheduler, store, tmp_path) -> None:
    pid_file = tmp_path / "pids"
    grace = 0.5
    scheduler = make_scheduler(grace_seconds=grace, kill_after_seconds=2)
    scheduler.register("busy", functools.partial(jobs_for_tests.busy_loop_with_grandchild, str(pid_file)), schedule.every().day.at("03:00"),
                       run_in_process=True, timeout_minutes=0.02)  # 1.2 s
    scheduler.start()
    run_id = scheduler.run_job("busy").run_id
    assert scheduler.wait_for_run(run_id, 30)
    ended = time.monotonic()
    scheduler.flush()
    row = store.get_run(run_id)
    child, grandchild = (int(p) for p in pid_file.read_text().split())
    deadline = row.deadline_at
    assert row.status is RunStatus.TIMED_OUT
    assert row.ended_by is EndedBy.TERMINATED
    assert (row.finished_at - deadline).total_seconds() < grace + 1
    while not (_gone(child) and _gone(grandchild)) and time.monotonic() - ended < 1:
        time.sleep(0.01)
    assert _gone(child) and _gone(grandchild)


def test_stop_run_on_a_process_run_records_stopped(make_scheduler, store, events) -> None:
    scheduler = make_scheduler()
    scheduler.register("waits", jobs_for_tests.honour_stop_event, schedule.every().day.at("03:00"),
                       run_in_process=True)
    scheduler.start()
    run_id = scheduler.run_job("waits").run_id
    events.started("waits")
    assert scheduler.stop_run(run_id).ok
    assert scheduler.wait_for_run(run_id, 20)
    scheduler.flush()
    row = store.get_run(run_id)
    assert row.status is RunStatus.STOPPED
    # The child saw its stop_event and returned on its own, well within the grace before SIGTERM.
    assert row.ended_by is EndedBy.STOP_EVENT
    assert "stopped early" in (row.error_message or "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_child_processes_do_not_inherit_open_database_connections(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.succeed)
    assert row.pid == os.getpid()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_process_output_can_be_sent_to_a_file_instead_of_the_terminal(make_scheduler, store, tmp_path) -> None:
    output = tmp_path / "jobs.log"
    row = run_process_job(make_scheduler, store, jobs_for_tests.chatty, process_output=str(output))
    assert row.status is RunStatus.SUCCEEDED
    assert output.read_text().splitlines() == ["hello from the child", "and on stderr"]


def test_what_a_process_run_writes_by_any_route_is_kept_with_the_run(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.write_every_way)
    assert row.status is RunStatus.SUCCEEDED
    lines = row.output.splitlines()
    assert lines[:4] == [
        "printed to stdout", "printed to stderr", "written to descriptor 1", "echoed by a subprocess",
    ]
    assert re.fullmatch(r"\d\d:\d\d:\d\d WARNING tests\.feed: logged by the job", lines[4])


def test_a_process_run_killed_at_its_timeout_keeps_what_it_printed_before(make_scheduler, store) -> None:
    scheduler = make_scheduler(grace_seconds=0.2, kill_after_seconds=0.2)
    scheduler.register("stubborn", jobs_for_tests.ignore_sigterm_and_spin, schedule.every().day.at("03:00"),
                       run_in_process=True, timeout_minutes=0.01)  # 0.6 s
    scheduler.start()
    run_id = scheduler.run_job("stubborn").run_id
    assert scheduler.wait_for_run(run_id, 30)
    assert scheduler.flush(10)
    row = store.get_run(run_id)
    assert (row.status, row.ended_by, row.exit_code) == (RunStatus.TIMED_OUT, EndedBy.KILLED, -9)
    assert ended_by_words(row) == "SIGKILL"
    assert row.output == "working on batch 1\nbatch 1 is slow\n"


def test_10_mb_of_output_keeps_its_head_and_tail_and_says_how_much_was_cut(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.write_10_mb)
    assert row.status is RunStatus.SUCCEEDED
    head, marker, tail = row.output.split("\n… ", 1)[0], *row.output.split("\n… ", 1)[1].split(" …\n", 1)
    cut = jobs_for_tests.HUGE_OUTPUT_BYTES - OUTPUT_HEAD_BYTES - OUTPUT_TAIL_BYTES
    assert marker == f"{cut:,} bytes cut"
    assert head.startswith("HEAD-MARK\n") and tail.endswith("TAIL-MARK\n")
    assert len(head.encode()) == OUTPUT_HEAD_BYTES and len(tail.encode()) == OUTPUT_TAIL_BYTES


def test_a_result_that_cannot_be_pickled_still_comes_back_as_facts(make_scheduler, store) -> None:
    row = run_process_job(make_scheduler, store, jobs_for_tests.return_unpicklable_error)
    assert row.status is RunStatus.FAILED
    assert row.error_message == "LockedResourceError: vendor API held the lock"
    assert row.lines_processed == 5


@pytest.mark.parametrize("then_spin", [False, True], ids=["run-returns", "run-times-out"])
def test_a_descendant_that_left_the_process_group_ends_with_the_run(make_scheduler, store, tmp_path, then_spin) -> None:
    """``setsid -f``: the daemon is in another session and group, out of reach of killpg."""
    pid_file = tmp_path / "daemon"
    scheduler = make_scheduler(grace_seconds=0.5, kill_after_seconds=2)
    job = functools.partial(jobs_for_tests.detach_a_daemon, str(pid_file), then_spin)
    scheduler.register("daemonizes", job, schedule.every().day.at("03:00"), run_in_process=True,
                       timeout_minutes=0.02)  # 1.2 s
    scheduler.start()
    run_id = scheduler.run_job("daemonizes").run_id
    assert scheduler.wait_for_run(run_id, 30)
    ended = time.monotonic()
    daemon = int(pid_file.read_text())
    while not _gone(daemon) and time.monotonic() - ended < 2:
        time.sleep(0.01)
    survived = not _gone(daemon)
    if survived:
        os.kill(daemon, signal.SIGKILL)  # the test's own leftover
    assert not survived, f"the daemon {daemon} outlived its run"
    scheduler.flush()
    row = store.get_run(run_id)
    assert row.status is (RunStatus.TIMED_OUT if then_spin else RunStatus.SUCCEEDED)


def test_a_process_run_past_its_timeout_says_which_signal_comes_next_and_when(make_scheduler, store, tmp_path) -> None:
    start = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
    clock = ManualClock(start)
    scheduler = make_scheduler(clock=clock, grace_seconds=30, kill_after_seconds=10)
    ready = tmp_path / "ignoring SIGTERM"
    scheduler.register("stubborn", functools.partial(jobs_for_tests.ignore_sigterm_then_say_so, str(ready)),
                       schedule.every().day.at("03:00"), run_in_process=True, timeout_minutes=1)
    scheduler.start()
    run_id = scheduler.run_job("stubborn").run_id
    # The child is up and ignores SIGTERM (a file it makes says so, from its own process).
    wait_until(lambda: ready.exists() or None, timeout=30)

    def running():
        scheduler.settle(include_runs=False)
        [run] = scheduler.snapshot().running
        return run

    within = running()
    assert (within.run_id, within.state, within.next_step, within.next_step_at) == (run_id, LiveState.RUNNING, None, None)
    clock.advance(60)  # the timeout: stop_event set, SIGTERM 30 s later
    overdue = running()
    assert (overdue.state, overdue.next_step, overdue.next_step_at) == (
        LiveState.OVERDUE, "SIGTERM", start + timedelta(seconds=90))
    clock.advance(30)  # SIGTERM, which it ignores: SIGKILL 10 s later
    terminating = running()
    assert (terminating.state, terminating.next_step, terminating.next_step_at) == (
        LiveState.TERMINATING, "SIGKILL", start + timedelta(seconds=100))
    clock.advance(10)
    assert scheduler.wait_for_run(run_id, 30)
    scheduler.flush()
    row = store.get_run(run_id)
    assert (row.status, ended_by_words(row)) == (RunStatus.TIMED_OUT, "SIGKILL")
