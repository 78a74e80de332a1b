"""One scheduler per database: a lock held for the scheduler's lifetime.

Two schedulers on one database would run every job twice and allocate the
same run ids. The lock dies with its holder, even on ``kill -9``: SQLite uses
an advisory file lock beside the database file, PostgreSQL a session-level
advisory lock on a connection of its own.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

_PG_LOCK_KEY = 0x6A6F62636F6E  # "jobcon"


class SchedulerLock(Protocol):
    def acquire(self, owner: str) -> str | None:
        """Take the lock for ``owner``; None on success (or if already held here), else who holds it."""
        ...

    def release(self) -> None: ...


class NoLock:
    """For an in-memory database, which no other process can open."""

    def acquire(self, owner: str) -> str | None:
        return None

    def release(self) -> None:
        return None


class FileLock:
    """A lock file beside the database file itself: the path is resolved first, so the same file
    reached through a symlink, a relative path or another spelling takes the same lock."""

    def __init__(self, database_path: str) -> None:
        self._path = Path(f"{os.path.realpath(database_path)}.scheduler-lock")
        self._fd: int | None = None

    def acquire(self, owner: str) -> str | None:
        if self._fd is not None:
            return None
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 400, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            return holder
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode(), 0)
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None


class PostgresAdvisoryLock:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def acquire(self, owner: str) -> str | None:
        if self._connection is not None:
            return None
        connection = self._engine.connect()
        connection.execute(
            text("SELECT set_config('application_name', :name, false)"), {"name": f"jobconsole scheduler, {owner}"}
        )
        if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _PG_LOCK_KEY}).scalar():
            connection.commit()
            self._connection = connection
            return None
        holder = connection.execute(
            text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :objid "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"objid": _PG_LOCK_KEY & 0xFFFFFFFF},
        ).scalar()
        connection.invalidate()
        connection.close()
        return str(holder).removeprefix("jobconsole scheduler, ") if holder else "another scheduler"

    def release(self) -> None:
        if self._connection is None:
            return
        # Ending the session releases its advisory lock, even if the server went away meanwhile.
        self._connection.invalidate()
        self._connection.close()
        self._connection = None


def lock_for(engine: Engine) -> SchedulerLock:
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    database = engine.url.database
    if database in (None, "", ":memory:") or engine.url.query.get("mode") == "memory":
        return NoLock()
    return FileLock(database)
