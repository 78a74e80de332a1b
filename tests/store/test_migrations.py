"""A database made by release 0.1.0 (before migrations) is upgraded on open, with every row kept."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text, create_engine, insert, inspect,
    text,
)

from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import open_store
from jobconsole.store.migrations import HEAD

START = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


def release_0_1_schema() -> tuple[MetaData, Table]:
    """``scheduled_job_runs`` exactly as release 0.1.0 created it (``metadata.create_all``)."""
    metadata = MetaData()
    table = Table(
        "scheduled_job_runs", metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
        Column("job_name", String(200), nullable=False),
        Column("triggered_by", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("run_mode", String(16), nullable=False),
        Column("scheduled_for", DateTime(timezone=True)),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True)),
        Column("deadline_at", DateTime(timezone=True)),
        Column("success", Boolean()),
        Column("error_message", Text()),
        Column("traceback", Text()),
        Column("message", Text()),
        Column("lines_added", Integer()),
        Column("lines_processed", Integer()),
        Column("duration_ms", BigInteger()),
        Column("ended_by", String(16)),
        Column("exit_code", Integer()),
        Column("host", String(255)),
        Column("pid", Integer()),
        Index("ix_scheduled_job_runs_job_name_id", "job_name", "id"),
        Index("ix_scheduled_job_runs_success_id", "success", "id"),
        Index("ix_scheduled_job_runs_success_started_at", "success", "started_at"),
        Index("ix_scheduled_job_runs_status", "status"),
    )
    return metadata, table


def test_a_database_of_release_0_1_is_upgraded_with_every_row_kept(database_url: str) -> None:
    metadata, table = release_0_1_schema()
    engine = create_engine(database_url)
    metadata.create_all(engine)
    is_sqlite = engine.dialect.name == "sqlite"
    old_rows = [
        {"id": i, "job_name": "feed", "triggered_by": "scheduled", "status": "succeeded", "run_mode": "thread",
         "scheduled_for": START.replace(tzinfo=None) if is_sqlite else START,
         "started_at": START.replace(tzinfo=None) if is_sqlite else START,
         "success": True, "lines_added": i, "host": "old-host", "pid": 100 + i}
        for i in range(1, 4)
    ]
    # Release 0.1 could record one occurrence twice (two schedulers at once): the upgrade keeps both.
    old_rows.append({**old_rows[0], "id": 4})
    with engine.begin() as connection:
        connection.execute(insert(table), old_rows)
    engine.dispose()

    store = open_store(database_url)
    try:
        rows = sorted(store.history(HistoryQuery()).rows, key=lambda row: row.id)
        assert [(row.id, row.job_name, row.status, row.lines_added, row.host) for row in rows] == [
            (1, "feed", RunStatus.SUCCEEDED, 1, "old-host"),
            (2, "feed", RunStatus.SUCCEEDED, 2, "old-host"),
            (3, "feed", RunStatus.SUCCEEDED, 3, "old-host"),
            (4, "feed", RunStatus.SUCCEEDED, 1, "old-host"),
        ]
        assert all(row.leader_epoch is None and row.missed_count is None for row in rows)
        # The new columns and tables work: a count past 32 bits, a leader's term.
        store.term = store.leadership("test").try_take()
        store.write([RunRecord(
            id=5, job_name="feed", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.SUCCEEDED,
            run_mode=RunMode.THREAD, scheduled_for=START, started_at=START, lines_processed=3_000_000_000,
        )])
        new = store.get_run(5)
        assert new.lines_processed == 3_000_000_000 and new.leader_epoch == 1
        assert store.database_id()
    finally:
        store.close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
            assert {"jobconsole_leadership", "jobconsole_schedulers", "jobconsole_identity"} <= set(
                inspect(connection).get_table_names()
            )
    finally:
        engine.dispose()
    # Opening it again finds it current and changes nothing.
    store = open_store(database_url)
    try:
        assert store.max_run_id() == 5
    finally:
        store.close()


def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from jobconsole.store.models import metadata

    open_store(database_url).close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": engine.dialect.name != "sqlite"})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def _run_record(run_id: int) -> RunRecord:
    return RunRecord(
        id=run_id, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.SUCCEEDED,
        run_mode=RunMode.THREAD, scheduled_for=None, started_at=START, finished_at=START,
    )


def test_migrating_a_new_sqlite_file_keeps_its_write_ahead_log_when_another_process_comes_and_goes(tmp_path) -> None:
    """A scheduler that created (and so migrated) its SQLite file, then a `jobconsole status` from another
    process: that process must not take the scheduler's connections for gone and delete the log under them,
    or every row the scheduler writes afterwards is invisible to everyone else."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    store = open_store(url)
    try:
        store.write([_run_record(1)])
        visit = f"from jobconsole.store import open_store; s = open_store({url!r}); print(s.max_run_id()); s.close()"
        first = subprocess.run([sys.executable, "-c", visit], capture_output=True, text=True, timeout=60, check=True)
        assert first.stdout.strip() == "1"
        assert (tmp_path / "fresh.db-wal").exists(), "another process deleted the write-ahead log in use"
        store.write([_run_record(2)])
        second = subprocess.run([sys.executable, "-c", visit], capture_output=True, text=True, timeout=60, check=True)
        assert second.stdout.strip() == "2", "a row written after the visit is not seen by other processes"
    finally:
        store.close()


def _migrate(database_url: str, revision: str, *, down: bool = False) -> None:
    """Bring the database to ``revision`` with Alembic, as an earlier release's open_store left it."""
    from alembic import command
    from alembic.config import Config

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", "jobconsole.store:migrations")
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_a_database_of_revision_0003_with_runs_gets_an_output_column_and_keeps_every_row(database_url: str) -> None:
    _migrate(database_url, "0003")
    engine = create_engine(database_url)
    is_sqlite = engine.dialect.name == "sqlite"
    started = START.replace(tzinfo=None) if is_sqlite else START
    try:
        table = Table("scheduled_job_runs", MetaData(), autoload_with=engine)
        assert "output" not in table.c
        with engine.begin() as connection:
            connection.execute(insert(table), [
                {"id": i, "job_name": "feed", "triggered_by": "manual", "status": "failed", "run_mode": "process",
                 "started_at": started, "finished_at": started, "success": False, "error_message": f"error {i}",
                 "traceback": "Traceback (most recent call last):\n", "ended_by": "crashed", "exit_code": 3,
                 "leader_epoch": 1}
                for i in (1, 2)
            ])
    finally:
        engine.dispose()

    store = open_store(database_url)
    try:
        old = store.get_run(1)
        assert (old.error_message, old.exit_code, old.traceback, old.output) == (
            "error 1", 3, "Traceback (most recent call last):\n", None)
        assert [row.id for row in store.history(HistoryQuery()).rows] == [2, 1]
        store.write([RunRecord(
            id=3, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.SUCCEEDED,
            run_mode=RunMode.PROCESS, scheduled_for=None, started_at=START, output="hello from the child\n",
        )])
        assert store.get_run(3).output == "hello from the child\n"
    finally:
        store.close()

    # And back: revision 0003 without the column, every row still there.
    _migrate(database_url, "0003", down=True)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert "output" not in {column["name"] for column in inspect(connection).get_columns("scheduled_job_runs")}
            assert connection.scalar(text("SELECT count(*) FROM scheduled_job_runs")) == 3
            index = {ix["name"]: ix for ix in inspect(connection).get_indexes("scheduled_job_runs")}
            occurrence = index["ux_scheduled_job_runs_occurrence"]
            where = next(str(value) for key, value in occurrence["dialect_options"].items() if key.endswith("_where"))
            assert occurrence["unique"] and "leader_epoch IS NOT NULL" in where
    finally:
        engine.dispose()


def test_a_database_of_revision_0004_with_runs_gets_the_alert_state_table_and_keeps_every_row(database_url: str) -> None:
    from jobconsole.alert_state import AlertState

    _migrate(database_url, "0004")
    engine = create_engine(database_url)
    started = START.replace(tzinfo=None) if engine.dialect.name == "sqlite" else START
    try:
        table = Table("scheduled_job_runs", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            assert not inspect(connection).has_table("jobconsole_alert_state")
            connection.execute(insert(table), [
                {"id": i, "job_name": "feed", "triggered_by": "manual", "status": status, "run_mode": "thread",
                 "started_at": started, "finished_at": started, "success": status == "succeeded",
                 "error_message": None if status == "succeeded" else "503", "leader_epoch": 1, "output": f"run {i}\n"}
                for i, status in ((1, "succeeded"), (2, "failed"), (3, "failed"))
            ])
    finally:
        engine.dispose()

    store = open_store(database_url)
    try:
        assert [(row.id, row.status) for row in store.history(HistoryQuery()).rows] == [
            (3, RunStatus.FAILED), (2, RunStatus.FAILED), (1, RunStatus.SUCCEEDED)]
        assert store.get_run(1).output == "run 1\n"
        assert store.alert_states() == {}
        assert store.last_successes(["feed", "other"]) == {"feed": START}
        state = AlertState("feed", failing_since=START, failed_count=2, last_notified_at=START)
        store.write([state])
        assert store.alert_states() == {"feed": state}
    finally:
        store.close()

    # And back: revision 0004 without the table, every run still there.
    _migrate(database_url, "0004", down=True)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert not inspect(connection).has_table("jobconsole_alert_state")
            assert connection.scalar(text("SELECT count(*) FROM scheduled_job_runs")) == 3
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
    finally:
        engine.dispose()


def test_a_database_of_revision_0004_with_runs_gets_attempts_and_keeps_every_row(database_url: str) -> None:
    """Every run recorded before retries existed is a first attempt: attempt 1, no first run."""
    _migrate(database_url, "0004")
    engine = create_engine(database_url)
    started = START.replace(tzinfo=None) if engine.dialect.name == "sqlite" else START
    try:
        table = Table("scheduled_job_runs", MetaData(), autoload_with=engine)
        assert "attempt" not in table.c and "first_run_id" not in table.c
        with engine.begin() as connection:
            connection.execute(insert(table), [
                {"id": i, "job_name": "feed", "triggered_by": "scheduled", "status": status, "run_mode": "thread",
                 "scheduled_for": started.replace(minute=i), "started_at": started, "finished_at": started,
                 "success": status == "succeeded",
                 "error_message": f"error {i}", "leader_epoch": 1, "output": f"output {i}"}
                for i, status in ((1, "failed"), (2, "succeeded"))
            ])
    finally:
        engine.dispose()

    store = open_store(database_url)
    try:
        assert [(row.id, row.status, row.error_message, row.attempt, row.first_run_id) for row in
                store.history(HistoryQuery()).rows] == [
            (2, RunStatus.SUCCEEDED, "error 2", 1, None), (1, RunStatus.FAILED, "error 1", 1, None)]
        assert store.get_run(1).output == "output 1"
        store.write([RunRecord(
            id=3, job_name="feed", triggered_by=TriggeredBy.RETRY, status=RunStatus.SUCCEEDED, run_mode=RunMode.THREAD,
            scheduled_for=START, started_at=START, attempt=2, first_run_id=1,
        )])
        again = store.get_run(3)
        assert (again.triggered_by, again.attempt, again.first_run_id) == (TriggeredBy.RETRY, 2, 1)
    finally:
        store.close()

    # And back: revision 0004 without the columns, every row still there.
    _migrate(database_url, "0004", down=True)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("scheduled_job_runs")}
            assert "attempt" not in columns and "first_run_id" not in columns and "output" in columns
            assert connection.scalar(text("SELECT count(*) FROM scheduled_job_runs")) == 3
            assert "ux_scheduled_job_runs_attempt" not in {
                ix["name"] for ix in inspect(connection).get_indexes("scheduled_job_runs")}
    finally:
        engine.dispose()
