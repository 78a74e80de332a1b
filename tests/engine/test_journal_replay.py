"""Replaying a journal: runs the database never got are written, and a run that a takeover counted as
missed (its scheduler was paused, not dead, so its journal could not be read then) corrects that row."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import schedule

from jobconsole.engine.cadence import ScheduleCadence
from jobconsole.engine.jobs import build_job_spec
from jobconsole.engine.journal import StartJournal
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.outcome import Outcome
from jobconsole.engine.recovery import replay_journals
from jobconsole.runs import EndedBy, HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy

T = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)


def journal(directory: Path, database_id: str, lines: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"journal-{database_id}-paused.log"
    path.write_text("H\t4242\t3\tapp-1\n" + "".join(line + "\n" for line in lines))
    return path


def started(run_id: int, at: datetime) -> str:
    ts = at.timestamp()
    return f"S\t{run_id}\t{ts!r}\t{ts + 0.001!r}\tT\t60.0\ttick"


def ended(run_id: int, at: datetime) -> str:
    return f'E\t{run_id}\tsucceeded\t{at.timestamp() + 0.002!r}\treturned\t-\t[null, null, null, null, null]'


def test_a_journaled_run_inside_a_missed_range_splits_it(store, tmp_path) -> None:
    store.term = store.leadership("new leader").try_take()
    store.write([RunRecord(
        id=10, job_name="tick", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.MISSED, run_mode=RunMode.THREAD,
        scheduled_for=T, started_at=T + timedelta(seconds=9), finished_at=T + timedelta(seconds=9), duration_ms=0,
        missed_count=5, error_message="missed 5 occurrences",
    ), RunRecord(
        # The journal's run 7 was never recorded, and the new leader has given id 7 to a run of its own.
        id=7, job_name="other", triggered_by=TriggeredBy.MANUAL, status=RunStatus.SUCCEEDED, run_mode=RunMode.THREAD,
        scheduled_for=None, started_at=T + timedelta(seconds=20), finished_at=T + timedelta(seconds=20),
    )])
    state = tmp_path / "state"
    path = journal(state, store.database_id(), [started(7, T + timedelta(seconds=2)), ended(7, T + timedelta(seconds=2))])
    cadence = ScheduleCadence.from_job(schedule.every(1).seconds)
    assert replay_journals(store, state, store.database_id(), T + timedelta(seconds=30), {"tick": cadence}) == 1
    assert not path.exists() and not list(state.glob("*.refused"))
    assert store.get_run(7).job_name == "other"
    rows = sorted(store.history(HistoryQuery(job_name="tick")).rows, key=lambda row: row.scheduled_for)
    assert len({row.id for row in rows} | {7}) == 4
    assert [(row.status, row.scheduled_for - T, row.missed_count) for row in rows] == [
        (RunStatus.MISSED, timedelta(0), 2),
        (RunStatus.SUCCEEDED, timedelta(seconds=2), None),
        (RunStatus.MISSED, timedelta(seconds=3), 2),
    ]
    (ran,) = [row for row in rows if row.status is RunStatus.SUCCEEDED]
    assert all(f"as run {ran.id} shows" in row.error_message for row in rows if row.status is RunStatus.MISSED)


def test_a_journaled_start_without_its_end_is_recorded_abandoned_with_the_scheduler_that_ran_it(store, tmp_path) -> None:
    state = tmp_path / "state"
    journal(state, store.database_id(), [started(1, T)])
    assert replay_journals(store, state, store.database_id(), T + timedelta(seconds=30)) == 1
    (row,) = store.history(HistoryQuery()).rows
    assert row.status is RunStatus.ABANDONED and (row.host, row.pid) == ("app-1", 4242)
    assert "recovered from its journal" in row.error_message


def test_a_restart_after_a_missed_row_counts_on_from_its_last_occurrence(make_scheduler, store) -> None:
    """A missed row stands for several occurrences: the next start must not count them again."""
    from jobconsole.engine import ManualClock
    from tests.engine import jobs_for_tests

    earlier = store.leadership("earlier leader")
    store.term = earlier.try_take()
    store.write([RunRecord(
        id=1, job_name="tick", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.MISSED, run_mode=RunMode.THREAD,
        scheduled_for=T, started_at=T, finished_at=T, duration_ms=0, missed_count=3, error_message="missed 3",
    )])
    earlier.release(store.term)
    store.term = None
    clock = ManualClock(T + timedelta(minutes=10))
    scheduler = make_scheduler(clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(1).seconds)
    scheduler.start()
    scheduler.settle()
    missed = sorted((row for row in store.history(HistoryQuery()).rows if row.status is RunStatus.MISSED),
                    key=lambda row: row.scheduled_for)
    assert [(row.scheduled_for - T, row.missed_count) for row in missed][0] == (timedelta(0), 3)
    # The next one starts right after the third occurrence, at T + 3 s, and nothing is counted twice.
    assert missed[1].scheduled_for == T + timedelta(seconds=3)


def test_a_journaled_end_keeps_the_runs_output(store, tmp_path) -> None:
    """The scheduler died before the recorder wrote the run: its end, output included, comes from the journal."""
    state = tmp_path / "state"
    journal_file = StartJournal(state, store.database_id(), "died", "app-1", 4242, 1)
    spec = build_job_spec("feed", lambda stop_event: None, schedule.every(10).minutes, False, 15)
    run = LiveRun(spec, 1, TriggeredBy.MANUAL, None, T, 0.0, ("app-1", 4242))
    journal_file.append([run])
    output = 'fetched 3 rows\nrow 2: "bad"\ttabbed\n'
    outcome = Outcome(success=False, error_message="ValueError: bad", raised=True, output=output)
    run.end(RunStatus.FAILED, T + timedelta(seconds=2), outcome.error_message, outcome, EndedBy.RAISED, None)
    journal_file.append([run])
    journal_file.close(keep=True)
    assert replay_journals(store, state, store.database_id(), T + timedelta(seconds=30)) == 1
    row = store.get_run(1)
    assert (row.status, row.ended_by, row.output) == (RunStatus.FAILED, EndedBy.RAISED, output)
