"""The recorder writes each run's rows once, in order, and folds a short run into one INSERT."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone

import pytest
import schedule

from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.jobs import build_job_spec
from jobconsole.engine.outcome import SUCCEEDED, Outcome
from jobconsole.engine.recorder import RunRecorder
from jobconsole.interface import StoreUnavailableError
from jobconsole.runs import EndedBy, RunRecord, RunStatus, RunUpdate, TriggeredBy
from jobconsole.store import RunStore, open_store

STARTED = datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc)


class CountingStore:
    """A real SQLite store that also notes what each write was asked to do."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.writes: list[list[RunRecord | RunUpdate]] = []

    def write(self, ops: Sequence[RunRecord | RunUpdate]) -> None:
        self.writes.append(list(ops))
        self.store.write(ops)


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[RunStore]:
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    yield store
    store.close()


def _run(run_id: int) -> LiveRun:
    spec = build_job_spec("import_prices", lambda stop_event: None, schedule.every(10).minutes, False, 15)
    return LiveRun(spec, run_id, TriggeredBy.SCHEDULED, STARTED, STARTED, 0.0, ("worker-1", 4242))


def _end(run: LiveRun, outcome: Outcome = SUCCEEDED, status: RunStatus = RunStatus.SUCCEEDED) -> None:
    run.end(status, STARTED + timedelta(seconds=3), outcome.error_message, outcome, EndedBy.RETURNED, None)


def test_a_run_that_ended_before_its_start_was_written_is_one_insert_of_its_final_row(sqlite_store) -> None:
    sink = CountingStore(sqlite_store)
    recorder = RunRecorder(sink)
    run = _run(1)
    recorder.submit(run)
    _end(run)
    recorder.submit(run)
    recorder.start()
    assert recorder.flush(10.0)
    recorder.close(1.0)

    assert [[type(op).__name__ for op in batch] for batch in sink.writes] == [["RunRecord"]]
    row = sqlite_store.get_run(1)
    assert row is not None
    assert (row.status, row.success, row.duration_ms, row.host, row.pid) == (RunStatus.SUCCEEDED, True, 3000, "worker-1", 4242)


def test_a_run_written_while_running_gets_its_end_as_an_update(sqlite_store) -> None:
    sink = CountingStore(sqlite_store)
    recorder = RunRecorder(sink, linger_seconds=0.0)
    recorder.start()
    run = _run(7)
    recorder.submit(run)
    assert recorder.flush(10.0)
    running = sqlite_store.get_run(7)
    assert running is not None and running.status is RunStatus.RUNNING and running.finished_at is None

    _end(run, Outcome(success=False, error_message="feed down"), RunStatus.FAILED)
    recorder.submit(run)
    assert recorder.flush(10.0)
    recorder.close(1.0)

    assert [type(op).__name__ for batch in sink.writes for op in batch] == ["RunRecord", "RunUpdate"]
    ended = sqlite_store.get_run(7)
    assert ended is not None
    assert (ended.status, ended.success, ended.error_message) == (RunStatus.FAILED, False, "feed down")


def test_rows_left_at_close_come_back_built_and_in_order(tmp_path) -> None:
    class Down:
        def write(self, ops: Sequence[RunRecord | RunUpdate]) -> None:
            raise StoreUnavailableError("database down")

    recorder = RunRecorder(Down(), linger_seconds=0.0, max_backoff=0.05)
    first, second = _run(1), _run(2)
    recorder.submit(first)
    _end(first)
    recorder.submit(first)
    recorder.submit(second)
    recorder.start()
    left = recorder.close(0.2)

    assert [(op.id, type(op).__name__, op.status) for op in left] == [
        (1, "RunRecord", RunStatus.SUCCEEDED),
        (2, "RunRecord", RunStatus.RUNNING),
    ]
