"""Thread runs: results, failures with tracebacks, cooperative timeouts."""

from __future__ import annotations

import logging
import re
import threading

import schedule

from jobconsole.interface import LiveState, EngineState
from jobconsole.result import JobResult
from jobconsole.runs import EndedBy, RunStatus, TriggeredBy, ended_by_words
from tests.engine import jobs_for_tests



def daily() -> schedule.Job:
    return schedule.every().day.at("03:00")


def run_once(scheduler, name: str, store):
    result = scheduler.run_job(name)
    assert result.ok, result.message
    assert scheduler.wait_for_run(result.run_id, 20)
    assert scheduler.flush(10)
    return store.get_run(result.run_id)


def test_returning_none_is_success(make_scheduler, store) -> None:
    scheduler = make_scheduler()
    scheduler.register("quiet", jobs_for_tests.return_none, schedule.every().day.at("03:00"))
    scheduler.start()
    row = run_once(scheduler, "quiet", store)
    assert row.status is RunStatus.SUCCEEDED and row.success is True
    assert row.finished_at >= row.started_at and row.duration_ms is not None
    assert row.ended_by is EndedBy.RETURNED


def test_reported_failure_is_recorded_and_notified(make_scheduler, store, notices) -> None:
    scheduler = make_scheduler()
    scheduler.register("feed", jobs_for_tests.report_failure, schedule.every().day.at("03:00"))
    scheduler.start()
    row = run_once(scheduler, "feed", store)
    assert row.status is RunStatus.FAILED and row.success is False
    assert row.error_message == "ValueError: partner feed had 3 bad rows"
    notice = notices.get()
    assert (notice.job_name, notice.run_id, notice.status) == ("feed", row.id, RunStatus.FAILED)


def test_exception_keeps_the_full_traceback(make_scheduler, store, notices) -> None:
    scheduler = make_scheduler()
    scheduler.register("parser", jobs_for_tests.raise_error, schedule.every().day.at("03:00"))
    scheduler.start()
    row = run_once(scheduler, "parser", store)
    assert row.status is RunStatus.FAILED
    assert row.error_message == "ValueError: invalid literal for int() with base 10: 'not a number'"
    assert "jobs_for_tests.py" in row.traceback and "RAISE-LINE" in row.traceback
    assert "in raise_error" in row.traceback and "in parse_row" in row.traceback
    assert "RAISE-LINE" in notices.get().traceback


def test_a_thread_run_whose_job_raised_says_raised(make_scheduler, store) -> None:
    scheduler = make_scheduler()
    scheduler.register("parser", jobs_for_tests.raise_error, daily())
    scheduler.start()
    row = run_once(scheduler, "parser", store)
    assert row.ended_by is EndedBy.RAISED and row.exit_code is None
    assert ended_by_words(row) == "raised"


def test_timeout_sets_stop_event_and_next_run_gets_a_fresh_one(make_scheduler, store) -> None:
    seen_events: list[threading.Event] = []
    set_at_start: list[bool] = []

    def cooperative(stop_event) -> JobResult:
        seen_events.append(stop_event)
        set_at_start.append(stop_event.is_set())
        stopped = stop_event.wait(30)
        return JobResult(success=not stopped, error="stopped by stop_event" if stopped else None)

    scheduler = make_scheduler()
    scheduler.register("embeddings", cooperative, daily(), timeout_minutes=0.005)  # 0.3 s
    scheduler.start()
    first = run_once(scheduler, "embeddings", store)
    assert first.status is RunStatus.TIMED_OUT and first.success is False
    assert first.error_message.startswith("timed out after 300ms")
    assert first.ended_by is EndedBy.STOP_EVENT
    assert seen_events[0].is_set()
    second = scheduler.run_job("embeddings")
    assert second.ok
    assert scheduler.wait_for_run(second.run_id, 20)
    assert set_at_start == [False, False]
    assert seen_events[1] is not seen_events[0]


def test_job_ignoring_its_stop_event_shows_overdue_and_blocks_later_runs(make_scheduler, events, store) -> None:
    release = threading.Event()
    entered = threading.Event()

    def stubborn(stop_event) -> None:
        entered.set()
        release.wait(30)

    scheduler = make_scheduler()
    scheduler.register("stubborn", stubborn, daily(), timeout_minutes=0.005)
    scheduler.start()
    run_id = scheduler.run_job("stubborn").run_id
    entered.wait(5)
    events.wait_for(lambda e: type(e).__name__ == "RunTimedOut")
    [active] = scheduler.snapshot().running
    assert (active.run_id, active.state) == (run_id, LiveState.OVERDUE)
    # A thread can only be waited for: no signal comes.
    assert (active.next_step, active.next_step_at) == (None, None)
    refused = scheduler.run_job("stubborn")
    assert not refused.ok and "timed out and ignoring its stop_event" in refused.message
    release.set()
    assert scheduler.wait_for_run(run_id, 10)
    scheduler.flush()
    assert store.get_run(run_id).status is RunStatus.TIMED_OUT


def test_stop_run_records_stopped(make_scheduler, store, notices) -> None:
    entered = threading.Event()

    def waits(stop_event) -> JobResult:
        entered.set()
        stop_event.wait(30)
        return JobResult(success=False, error="Job stopped")

    scheduler = make_scheduler()
    scheduler.register("waits", waits, daily())
    scheduler.start()
    run_id = scheduler.run_job("waits").run_id
    entered.wait(5)
    assert scheduler.stop_run(run_id).ok
    assert scheduler.wait_for_run(run_id, 10)
    scheduler.flush()
    row = store.get_run(run_id)
    assert row.status is RunStatus.STOPPED and row.success is None
    assert row.error_message.startswith("stopped by operator")
    assert row.triggered_by is TriggeredBy.MANUAL
    assert notices.notices.empty()
    assert not scheduler.stop_run(run_id).ok


def test_shutdown_records_runs_in_progress_as_stopped(make_scheduler, store) -> None:
    entered = threading.Event()

    def waits(stop_event) -> None:
        entered.set()
        stop_event.wait(30)

    scheduler = make_scheduler()
    scheduler.register("waits", waits, daily())
    scheduler.start()
    run_id = scheduler.run_job("waits").run_id
    entered.wait(5)
    scheduler.shutdown(grace_seconds=5)
    row = store.get_run(run_id)
    assert row.status is RunStatus.STOPPED
    assert row.error_message.startswith("stopped at scheduler shutdown")


def test_a_second_shutdown_returns_only_once_the_first_has_written_every_record(make_scheduler, store) -> None:
    stop_seen, release = threading.Event(), threading.Event()

    def slow_to_stop(stop_event) -> None:
        stop_event.wait(30)
        stop_seen.set()
        release.wait(30)

    scheduler = make_scheduler()
    scheduler.register("slow", slow_to_stop, daily())
    scheduler.start()
    run_id = scheduler.run_job("slow").run_id
    first = threading.Thread(target=scheduler.shutdown, kwargs={"grace_seconds": 30})
    first.start()
    assert stop_seen.wait(10)
    second = threading.Thread(target=scheduler.shutdown)
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second shutdown returned while the first was still stopping the run"
    release.set()
    second.join(10)
    assert not second.is_alive()
    # Returned means done: the run is recorded.
    assert store.get_run(run_id).status is RunStatus.STOPPED
    first.join(10)


def test_a_shutdown_during_start_lets_start_finish_then_stops(make_scheduler, store, monkeypatch) -> None:
    starting, release = threading.Event(), threading.Event()
    read_max_run_id = store.max_run_id

    def max_run_id_held_up() -> int:
        starting.set()
        release.wait(30)
        return read_max_run_id()

    # start() reads the newest run id half-way through: hold it there, as a slow database would.
    monkeypatch.setattr(store, "max_run_id", max_run_id_held_up)
    scheduler = make_scheduler()
    scheduler.register("often", jobs_for_tests.return_none, schedule.every(1).seconds)
    starter = threading.Thread(target=scheduler.start)
    starter.start()
    assert starting.wait(10)
    stopper = threading.Thread(target=scheduler.shutdown)  # an operator quits at once
    stopper.start()
    stopper.join(0.3)
    assert stopper.is_alive(), "shutdown went ahead while start() was half-way"
    release.set()
    starter.join(10)
    stopper.join(10)
    assert not stopper.is_alive()
    assert scheduler.snapshot().state is EngineState.STOPPED


_LOG_LINE = r"\d\d:\d\d:\d\d {level} {logger}: {message}"


def test_two_thread_runs_logging_at_once_each_keep_only_their_own_lines(make_scheduler, store) -> None:
    # The two runs and this test's thread meet twice: each run's lines straddle the other's and the test's.
    meet = threading.Barrier(3, timeout=10)

    def job(name: str):
        def body(stop_event) -> None:
            log = logging.getLogger(f"tests.{name}")
            log.warning("%s: first batch", name)
            meet.wait()
            meet.wait()
            log.error("%s: second batch", name)
        return body

    scheduler = make_scheduler()
    scheduler.register("alpha", job("alpha"), daily())
    scheduler.register("beta", job("beta"), daily())
    scheduler.start()
    alpha, beta = scheduler.run_job("alpha").run_id, scheduler.run_job("beta").run_id
    meet.wait()
    logging.getLogger("tests.scheduler_side").warning("logged by the application, not by a run")
    meet.wait()
    assert scheduler.wait_for_run(alpha, 20) and scheduler.wait_for_run(beta, 20)
    assert scheduler.flush(10)
    for run_id, name in ((alpha, "alpha"), (beta, "beta")):
        lines = store.get_run(run_id).output.splitlines()
        assert len(lines) == 2, lines
        assert re.fullmatch(_LOG_LINE.format(level="WARNING", logger=f"tests\\.{name}", message=f"{name}: first batch"), lines[0])
        assert re.fullmatch(_LOG_LINE.format(level="ERROR", logger=f"tests\\.{name}", message=f"{name}: second batch"), lines[1])


def test_a_thread_runs_prints_are_kept_with_it_and_stay_off_the_schedulers_stdout(make_scheduler, store, capsys) -> None:
    def chatty(stop_event) -> None:
        print("hello from the job")
        print("progress", 3, sep=": ")

    scheduler = make_scheduler()
    scheduler.register("chatty", chatty, daily())
    scheduler.start()
    print("the application's own line")
    row = run_once(scheduler, "chatty", store)
    assert row.output == "hello from the job\nprogress: 3\n"
    assert capsys.readouterr().out == "the application's own line\n"


def test_a_thread_run_given_up_at_shutdown_keeps_what_it_logged(make_scheduler, store) -> None:
    logged, release = threading.Event(), threading.Event()

    def stubborn(stop_event) -> None:
        logging.getLogger("tests.stubborn").warning("still on row 7")
        logged.set()
        release.wait(30)

    scheduler = make_scheduler()
    scheduler.register("stubborn", stubborn, daily())
    scheduler.start()
    run_id = scheduler.run_job("stubborn").run_id
    assert logged.wait(10)
    try:
        scheduler.shutdown(grace_seconds=0.2)
    finally:
        release.set()
    row = store.get_run(run_id)
    assert row.status is RunStatus.STOPPED and row.ended_by is EndedBy.SHUTDOWN
    assert re.fullmatch(_LOG_LINE.format(level="WARNING", logger="tests\\.stubborn", message="still on row 7") + "\n",
                        row.output)
