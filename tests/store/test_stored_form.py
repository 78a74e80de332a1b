"""RunStore.write sends plain driver rows (and COPY on PostgreSQL), not SQLAlchemy-processed parameters.

Databases written by earlier versions, through SQLAlchemy's column types, must
keep working: the rows stored either way are the same, down to SQLite's text
form of a timestamp, and each reads back as the record that was written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from jobconsole.runs import EndedBy, HistoryQuery, RunRecord, RunStatus, RunUpdate
from jobconsole.store import RunStore, open_store
from jobconsole.store.models import runs_table
from tests.store.factories import EPOCH, failure_update, finished_run, started_run

AWKWARD_TEXT = {
    # COPY's text format and the SQL quoting of both backends, at their edges.
    "error_message": "a\ttab, a \\N and a backslash \\ at the end \\",
    "traceback": "line one\r\nline two\n\n\tindented 'quoted' \"double\" ; -- not a comment",
    "message": "",
    "host": "host-é-✓",
}


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def _written_by_sqlalchemy(store: RunStore, record: RunRecord) -> None:
    """The row as SQLAlchemy's column types write it (how every earlier jobconsole wrote runs)."""
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
    values = {name: value.value if hasattr(value, "value") else value for name, value in values.items()}
    with store._engine.begin() as connection:
        connection.execute(insert(runs_table), values)


def _stored(store: RunStore, run_id: int) -> tuple[Any, ...]:
    """Every column but the id exactly as the database keeps it (SQLite: with each value's storage class)."""
    names = [column.name for column in runs_table.c if column.name != "id"]
    if store.dialect == "sqlite":
        selected = ", ".join(f"{name}, typeof({name})" for name in names)
    else:
        selected = ", ".join(names)
    with store._engine.connect() as connection:
        row = connection.exec_driver_sql(f"SELECT {selected} FROM scheduled_job_runs WHERE id = {int(run_id)}").one()
    return tuple(row)


def _varied_records() -> list[RunRecord]:
    paris = ZoneInfo("Europe/Paris")
    return [
        finished_run(1),
        dataclasses.replace(finished_run(2, status=RunStatus.FAILED), **AWKWARD_TEXT, exit_code=-9, lines_added=0),
        # Whole seconds (SQLite text still carries ".000000") and a non-UTC zone.
        dataclasses.replace(
            started_run(3),
            started_at=datetime(2025, 7, 1, 5, 0, tzinfo=paris),
            deadline_at=datetime(2025, 7, 1, 3, 15, 0, 1, tzinfo=timezone.utc),
        ),
        dataclasses.replace(finished_run(4, status=RunStatus.SKIPPED), duration_ms=2**40, ended_by=None),
    ]


def test_fast_path_stores_exactly_what_sqlalchemy_stores(store: RunStore) -> None:
    records = _varied_records()
    store.write(records)
    for record in records:
        _written_by_sqlalchemy(store, dataclasses.replace(record, id=record.id + 100))

    for record in records:
        assert _stored(store, record.id) == _stored(store, record.id + 100), f"run {record.id}"


def test_sqlite_timestamps_are_naive_utc_text_with_microseconds(tmp_path: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    try:
        store.write(_varied_records()[2:3])
        with store._engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT started_at, deadline_at FROM scheduled_job_runs WHERE id = 3").one()
    finally:
        store.close()
    assert tuple(stored) == ("2025-07-01 03:00:00.000000", "2025-07-01 03:15:00.000001")


def test_rows_written_either_way_read_back_as_the_records_written(store: RunStore) -> None:
    records = _varied_records()
    store.write(records)
    older = [dataclasses.replace(record, id=record.id + 100) for record in records]
    for record in older:
        _written_by_sqlalchemy(store, record)

    expected = [*records, *older]
    assert [store.get_run(record.id) for record in expected] == expected
    page = store.history(HistoryQuery(limit=50))
    assert page.rows == tuple(dataclasses.replace(record, traceback=None) for record in reversed(expected))
    assert [run.id for run in store.find_running()] == [3, 103]


def test_update_of_a_row_written_earlier_keeps_awkward_text(store: RunStore) -> None:
    store.write([started_run(1)])
    finished = EPOCH + timedelta(hours=2)
    update = dataclasses.replace(failure_update(1, finished), error_message=AWKWARD_TEXT["error_message"], message="")

    store.write([update])

    loaded = store.get_run(1)
    assert loaded is not None
    assert (loaded.error_message, loaded.message, loaded.finished_at) == (AWKWARD_TEXT["error_message"], "", finished)
    assert loaded.ended_by is EndedBy.RETURNED and loaded.success is False


def test_naive_timestamp_in_an_update_is_refused_and_nothing_is_written(store: RunStore) -> None:
    naive_end = RunUpdate(id=1, status=RunStatus.SUCCEEDED, finished_at=datetime(2025, 7, 1, 3, 0), success=True, duration_ms=5)
    with pytest.raises(ValueError, match="naive datetime 2025-07-01T03:00:00 given for a run timestamp"):
        store.write([started_run(1), naive_end])
    with pytest.raises(ValueError, match="naive datetime"):
        store.write([started_run(2), started_run(3), dataclasses.replace(naive_end, id=9)])
    assert store.max_run_id() == 0
