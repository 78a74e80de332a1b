"""The schema's history as Alembic migrations, applied when a store opens.

A new database gets every migration; one made by an earlier release is
upgraded with its rows kept. A database made before migrations existed (no
``alembic_version`` table but a ``scheduled_job_runs`` table) is first
stamped with the baseline, which is that release's schema. Schedulers,
consoles and the CLI may open one database at the same moment: the upgrade
holds a lock (PostgreSQL: an advisory lock for the transaction; SQLite: an
exclusive ``flock`` on the database file, which SQLite's own locks ignore),
and whoever comes second finds the work done.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, inspect, text

from jobconsole.errors import StoreConfigError

log = logging.getLogger("jobconsole.store")

HEAD = "0006"
"""The newest revision; :mod:`jobconsole.store.models` describes the schema it makes."""
BASELINE = "0001"
KNOWN = ("0001", "0002", "0003", "0004", "0005", "0006")
_PG_MIGRATION_LOCK = 0x6A6F626D6967  # "jobmig"


def schema_revision(connection: Connection) -> str | None:
    """The database's revision: None when it has no schema yet, BASELINE when it predates migrations."""
    inspector = inspect(connection)
    if inspector.has_table("alembic_version"):
        return connection.scalar(text("SELECT version_num FROM alembic_version"))
    if inspector.has_table("scheduled_job_runs"):
        return BASELINE
    return None


def upgrade_schema(engine: Engine, label: str) -> None:
    """Bring the database at ``engine`` to :data:`HEAD`, keeping every row.

    Raises StoreConfigError when a newer release has already upgraded it past
    what this one knows.
    """
    with engine.connect() as connection:
        if schema_revision(connection) == HEAD:
            return
    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        current = schema_revision(connection)
        if current == HEAD:
            return
        if current is not None and current not in KNOWN:
            raise StoreConfigError(
                f"database {label} has schema revision {current}, made by a newer jobconsole; "
                f"this release knows revisions up to {HEAD}: upgrade jobconsole"
            )
        _run_alembic(connection, stamp_baseline=current == BASELINE and not inspect(connection).has_table("alembic_version"))
    if current is not None:
        log.info("upgraded the schema of %s from revision %s to %s; every row kept", label, current, HEAD)


def _run_alembic(connection: Connection, *, stamp_baseline: bool) -> None:
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:
        # Alembic tells of each plugin and step at INFO; one line of ours says what happened.
        alembic_log.setLevel(logging.WARNING)
    # Imported here: a store already at HEAD (every start but the first) never loads Alembic.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "jobconsole.store:migrations")
    config.attributes["connection"] = connection
    if stamp_baseline:
        command.stamp(config, BASELINE)
    command.upgrade(config, HEAD)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    # The lock is on the file's directory, never on the database file itself: closing any descriptor of
    # the database file would drop the POSIX locks SQLite holds on it in this process, and another
    # process could then take this one's connections for gone and delete the write-ahead log under them.
    fd = os.open(os.path.dirname(os.path.realpath(path)) or ".", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
