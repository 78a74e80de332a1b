"""The tables, as SQLAlchemy Core tables: ``scheduled_job_runs`` and the leadership's two.

They describe the schema the newest migration (:mod:`jobconsole.store.migrations`) makes.

One column per field of :class:`jobconsole.runs.RunRecord`. Enums are stored
as their short string values rather than database enum types, so adding a
status never needs a schema migration. Core rather than the ORM: the store
never maps rows to objects, and ``sqlalchemy.orm`` costs the console about a
tenth of a second at start.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Dialect, Float, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    PostgreSQL stores ``timestamptz`` natively; SQLite has no time zones, so
    values are stored there as naive UTC text (which also sorts correctly)
    and given their UTC zone back on the way out. Naive datetimes are
    rejected: their zone is a guess, and a wrong guess shifts the history.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused, since its zone would be a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} given for a run timestamp; pass a timezone-aware datetime (UTC)")
    return value.astimezone(timezone.utc)


metadata = MetaData()

# SQLite makes only an INTEGER PRIMARY KEY an alias of the rowid, which keeps
# the table clustered by id; BIGINT elsewhere.
_RunId = BigInteger().with_variant(Integer(), "sqlite")

runs_table = Table(
    "scheduled_job_runs",
    metadata,
    # One run of one job. Ids are allocated by the engine, never by the database.
    Column("id", _RunId, primary_key=True, autoincrement=False),
    Column("job_name", String(200), nullable=False),
    Column("triggered_by", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_mode", String(16), nullable=False),
    Column("scheduled_for", UTCDateTime(), nullable=True),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("deadline_at", UTCDateTime(), nullable=True),
    Column("success", Boolean(), nullable=True),
    Column("error_message", Text(), nullable=True),
    Column("traceback", Text(), nullable=True),
    Column("message", Text(), nullable=True),
    Column("lines_added", BigInteger(), nullable=True),
    Column("lines_processed", BigInteger(), nullable=True),
    Column("duration_ms", BigInteger(), nullable=True),
    Column("ended_by", String(16), nullable=True),
    Column("exit_code", Integer(), nullable=True),
    Column("host", String(255), nullable=True),
    Column("pid", Integer(), nullable=True),
    # For a ``missed`` row: how many occurrences, from scheduled_for on, no scheduler was leading to run.
    Column("missed_count", BigInteger(), nullable=True),
    # The term of the leader that made the row (see jobconsole.store.leadership); None before terms existed.
    Column("leader_epoch", BigInteger(), nullable=True),
    # What the run printed and logged (capped: its head and tail); read with one run, never with a page.
    Column("output", Text(), nullable=True),
    # Which attempt of its run this row is (1: the first); retries are rows of their own (migration 0005).
    Column("attempt", Integer(), nullable=False, server_default=text("1")),
    # For a retry: the id of its run's first attempt; None for a first attempt.
    Column("first_run_id", BigInteger(), nullable=True),
    # History filtered by job, newest first.
    Index("ix_scheduled_job_runs_job_name_id", "job_name", "id"),
    # History with failures only: success is false exactly for failed, timed_out, abandoned.
    Index("ix_scheduled_job_runs_success_id", "success", "id"),
    # "Failures in the last 24 h" in the console header.
    Index("ix_scheduled_job_runs_success_started_at", "success", "started_at"),
    # Runs left running by a scheduler that died.
    Index("ix_scheduled_job_runs_status", "status"),
    # One row per scheduled occurrence of a job, enforced by the database, for every row a leader made.
    # Also answers "the last occurrence recorded" per job at a leader's start.
    Index(
        "ux_scheduled_job_runs_occurrence",
        "job_name",
        "scheduled_for",
        unique=True,
        postgresql_where=text("triggered_by = 'scheduled' AND leader_epoch IS NOT NULL"),
        sqlite_where=text("triggered_by = 'scheduled' AND leader_epoch IS NOT NULL"),
    ),
    # One row per attempt of a run: two leaders can never both record the same retry.
    Index(
        "ux_scheduled_job_runs_attempt",
        "first_run_id",
        "attempt",
        unique=True,
        postgresql_where=text("first_run_id IS NOT NULL"),
        sqlite_where=text("first_run_id IS NOT NULL"),
    ),
)

identity_table = Table(
    "jobconsole_identity",
    metadata,
    # One row, made by the migration that added it: names the database's local state directory on every host.
    Column("database_id", String(32), primary_key=True),
)

leadership_table = Table(
    "jobconsole_leadership",
    metadata,
    # One row (id 1): who leads, in which term, and until when unless renewed.
    Column("id", Integer(), primary_key=True, autoincrement=False),
    # Grows by one with every new leader; every write a leader makes is checked against it.
    Column("epoch", BigInteger(), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("holder", String(300), nullable=False),
    Column("process", String(200), nullable=False),
    # Seconds since 1970 on the database server's clock, so schedulers on hosts whose clocks differ agree.
    Column("taken_at", Float(), nullable=False),
    Column("expires_at", Float(), nullable=False),
)

schedulers_table = Table(
    "jobconsole_schedulers",
    metadata,
    # Every scheduler process on this database, leader and standbys, for operators to see.
    Column("instance", String(64), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("started_at", Float(), nullable=False),
    Column("seen_at", Float(), nullable=False),
)

published_table = Table(
    "jobconsole_published",
    metadata,
    # One row (id 1): the leader's latest state for attached consoles and the CLI, and its heartbeat.
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("instance", String(64), nullable=False),
    Column("epoch", BigInteger(), nullable=False),
    Column("holder", String(300), nullable=False),
    # Seconds on the database server's clock: when this leader began publishing, when it last wrote.
    Column("started_at", Float(), nullable=False),
    Column("published_at", Float(), nullable=False),
    # The snapshot as JSON (jobconsole.attach.wire).
    Column("document", Text(), nullable=False),
)

commands_table = Table(
    "jobconsole_commands",
    metadata,
    # Operators' commands to the leader, kept with who asked and what came of them: an audit trail.
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("job_name", String(200), nullable=True),
    Column("run_id", BigInteger(), nullable=True),
    Column("requested_by", String(300), nullable=False),
    Column("requested_at", Float(), nullable=False),
    Column("handled_by", String(300), nullable=True),
    Column("handled_at", Float(), nullable=True),
    Column("ok", Boolean(), nullable=True),
    Column("result", Text(), nullable=True),
    # The run a trigger started (or a stop asked to stop).
    Column("result_run_id", BigInteger(), nullable=True),
    Index("ix_jobconsole_commands_pending", "handled_at", "id"),
    Index("ix_jobconsole_commands_run", "run_id"),
    Index("ix_jobconsole_commands_result_run", "result_run_id"),
)

job_state_table = Table(
    "jobconsole_job_state",
    metadata,
    # What an operator set on a job that must survive restarts: paused or not, by whom, since when.
    Column("job_name", String(200), primary_key=True),
    Column("paused", Boolean(), nullable=False),
    Column("paused_by", String(300), nullable=True),
    Column("paused_at", Float(), nullable=True),
)

alert_state_table = Table(
    "jobconsole_alert_state",
    metadata,
    # Where the alert policy stands for each failing or watched job (jobconsole.alert_state.AlertState),
    # written by the leader alone, in the batches of its run rows; a new leader continues from it.
    Column("job_name", String(200), primary_key=True),
    Column("failing_since", UTCDateTime(), nullable=True),
    Column("failed_count", BigInteger(), nullable=False),
    Column("last_notified_at", UTCDateTime(), nullable=True),
    Column("watched_since", UTCDateTime(), nullable=True),
    Column("overdue_notified_at", UTCDateTime(), nullable=True),
    # The term of the leader that wrote it last.
    Column("leader_epoch", BigInteger(), nullable=True),
)
