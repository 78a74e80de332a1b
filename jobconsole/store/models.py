"""The ``scheduled_job_runs`` table as a typed SQLAlchemy model.

One column per field of :class:`jobconsole.runs.RunRecord`. Enums are stored
as their short string values rather than database enum types, so adding a
status never needs a schema migration.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import cast

from sqlalchemy import BigInteger, Boolean, DateTime, Dialect, Index, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
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
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a run timestamp; pass a timezone-aware datetime (UTC)")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


# SQLite makes only an INTEGER PRIMARY KEY an alias of the rowid, which keeps
# the table clustered by id; BIGINT elsewhere.
_RunId = BigInteger().with_variant(Integer(), "sqlite")


class RunRow(Base):
    """One run of one job. Ids are allocated by the engine, never by the database."""

    __tablename__ = "scheduled_job_runs"

    id: Mapped[int] = mapped_column(_RunId, primary_key=True, autoincrement=False)
    job_name: Mapped[str] = mapped_column(String(200))
    triggered_by: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    run_mode: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    success: Mapped[bool | None] = mapped_column(Boolean())
    error_message: Mapped[str | None] = mapped_column(Text())
    traceback: Mapped[str | None] = mapped_column(Text())
    message: Mapped[str | None] = mapped_column(Text())
    lines_added: Mapped[int | None] = mapped_column(Integer())
    lines_processed: Mapped[int | None] = mapped_column(Integer())
    duration_ms: Mapped[int | None] = mapped_column(BigInteger())
    ended_by: Mapped[str | None] = mapped_column(String(16))
    exit_code: Mapped[int | None] = mapped_column(Integer())
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer())

    __table_args__ = (
        # History filtered by job, newest first.
        Index("ix_scheduled_job_runs_job_name_id", "job_name", "id"),
        # History with failures only: success is false exactly for failed, timed_out, abandoned.
        Index("ix_scheduled_job_runs_success_id", "success", "id"),
        # "Failures in the last 24 h" in the console header.
        Index("ix_scheduled_job_runs_success_started_at", "success", "started_at"),
        # Runs left running by a scheduler that died.
        Index("ix_scheduled_job_runs_status", "status"),
    )


runs_table = cast(Table, RunRow.__table__)
