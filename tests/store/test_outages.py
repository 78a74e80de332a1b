"""The store under concurrent access and outages: SQLite locks, PostgreSQL going away and coming back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from jobconsole.runs import HistoryQuery, RunStatus
from jobconsole.store import RunStore, StoreUnavailableError, open_store
from tests.store.factories import EPOCH, failure_update, finished_run, started_run
from tests.support.postgres import PostgresServer

PASSWORD = "s3cret-pw"


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "jobconsole.db"


@pytest.fixture
def sqlite_store(sqlite_path: Path) -> Iterator[RunStore]:
    # A short busy timeout so that a regression fails in a moment rather than in five seconds.
    store = open_store(f"sqlite:///{sqlite_path}", sqlite_busy_timeout=0.3)
    store.write([finished_run(1), finished_run(2)])
    yield store
    store.close()


def _other_program(path: Path) -> sqlite3.Connection:
    """Another process's connection to the file, with transactions under its own control."""
    return sqlite3.connect(path, isolation_level=None, timeout=0.3)


def test_sqlite_file_is_in_wal_mode(sqlite_store: RunStore, sqlite_path: Path) -> None:
    other = _other_program(sqlite_path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        other.close()


def test_store_reads_while_another_program_holds_a_write_transaction(sqlite_store: RunStore, sqlite_path: Path) -> None:
    writer = _other_program(sqlite_path)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute(
            "INSERT INTO scheduled_job_runs (id, job_name, triggered_by, status, run_mode, started_at)"
            " VALUES (99, 'clean_up_embeddings', 'manual', 'running', 'thread', '2025-03-01 04:00:00.000000')"
        )

        page = sqlite_store.history(HistoryQuery())

        assert [run.id for run in page.rows] == [2, 1], "the uncommitted row is not seen, the committed ones are"
        writer.execute("COMMIT")
        assert sqlite_store.max_run_id() == 99
    finally:
        writer.close()


def test_store_writes_while_another_program_reads(sqlite_store: RunStore, sqlite_path: Path) -> None:
    reader = _other_program(sqlite_path)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM scheduled_job_runs").fetchone() == (2,)

        sqlite_store.write([finished_run(3)])

        assert reader.execute("SELECT count(*) FROM scheduled_job_runs").fetchone() == (2,), "the reader keeps its snapshot"
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM scheduled_job_runs").fetchone() == (3,)
    finally:
        reader.close()


def test_write_while_another_writer_holds_the_lock_is_unavailable_then_succeeds(sqlite_store: RunStore, sqlite_path: Path) -> None:
    writer = _other_program(sqlite_path)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailableError) as caught:
            sqlite_store.write([finished_run(3)])
        writer.execute("ROLLBACK")
    finally:
        writer.close()

    message = str(caught.value)
    assert message.startswith(f"database {sqlite_store.url_label} unavailable while writing 1 run record(s): ")
    assert "locked" in message
    assert "\n" not in message

    sqlite_store.write([finished_run(3)])
    assert sqlite_store.get_run(3) == finished_run(3)


def test_postgres_outage_makes_the_store_unavailable_until_the_server_is_back(
    dedicated_postgres_server: PostgresServer,
) -> None:
    server = dedicated_postgres_server
    # The test cluster trusts every connection; the password is there to prove it is never shown.
    url = make_url(server.create_database("runs")).set(password=PASSWORD).render_as_string(hide_password=False)
    store = open_store(url)
    try:
        store.write([started_run(1), started_run(2)])

        server.stop()
        with pytest.raises(StoreUnavailableError) as write_error:
            store.write([failure_update(1, EPOCH)])
        with pytest.raises(StoreUnavailableError, match="unavailable while writing 1 run record"):
            store.write([finished_run(3)])
        with pytest.raises(StoreUnavailableError) as read_error:
            store.history(HistoryQuery())
        server.start()

        for error in (write_error.value, read_error.value):
            message = str(error)
            assert message.startswith(f"database {store.url_label} unavailable while ")
            assert PASSWORD not in message
            assert "\n" not in message
        store.write([failure_update(1, EPOCH)])
        assert [run.status for run in store.history(HistoryQuery()).rows] == [RunStatus.RUNNING, RunStatus.FAILED]
    finally:
        store.close()
