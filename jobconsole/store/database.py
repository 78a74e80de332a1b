"""From a database URL to a ready store: URL checks, connection settings, schema.

SQLite runs in WAL mode with a busy timeout so that a console in another
process can read while the scheduler writes. PostgreSQL connections are
checked before use and time out quickly, so an outage is noticed in seconds
rather than hanging a run's bookkeeping.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from jobconsole.store.errors import StoreConfigError, StoreUnavailableError, is_unavailable, one_line_reason
from jobconsole.store.migrations import upgrade_schema
from jobconsole.store.repository import RunStore
from jobconsole.store.schemes import canonical_url
from jobconsole.store.urls import redact_url, url_secret

SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
POSTGRES_CONNECT_TIMEOUT_SECONDS = 3

_SUPPORTED_DRIVERS = {"sqlite": {"pysqlite"}, "postgresql": {"psycopg2"}}
_EXAMPLES = "use sqlite:///path/to/jobconsole.db or postgresql://user:password@host:5432/dbname"


def parse_database_url(url: str) -> URL:
    """Check that ``url`` is well formed and names a supported backend and driver; fill in the driver
    (``postgres://`` and ``postgresql://`` mean psycopg2, see :mod:`jobconsole.store.schemes`)."""
    try:
        parsed = make_url(canonical_url(url))
    except (sa_exc.ArgumentError, ValueError) as error:
        raise StoreConfigError(f"malformed database URL {redact_url(url)!r}: {_EXAMPLES}") from error
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise StoreConfigError(f"malformed database URL {redact_url(parsed)!r}: port {parsed.port} is out of range; {_EXAMPLES}")
    backend, _, driver = parsed.drivername.partition("+")
    drivers = _SUPPORTED_DRIVERS.get(backend)
    if drivers is None or (driver and driver not in drivers):
        raise StoreConfigError(
            f"unsupported database URL {redact_url(url)}: jobconsole stores runs in SQLite or PostgreSQL (psycopg2); {_EXAMPLES}"
        )
    return parsed


def open_store(url: str, *, sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT_SECONDS) -> RunStore:
    """Connect to the run history at ``url``, creating or upgrading its schema (every row kept).

    Raises :class:`StoreConfigError` for a malformed or unsupported URL and
    :class:`StoreUnavailableError` when the database cannot be reached.
    ``sqlite_busy_timeout`` is how long a SQLite write waits for another
    writer's lock before the database counts as unavailable.
    """
    parsed = parse_database_url(url)
    label = redact_url(url)
    engine = _create_engine(parsed, sqlite_busy_timeout)
    try:
        upgrade_schema(engine, label)
    except StoreConfigError:
        engine.dispose()
        raise
    except sa_exc.SQLAlchemyError as error:
        engine.dispose()
        if not is_unavailable(error):
            raise
        reason = one_line_reason(error, url_secret(parsed))
        if parsed.get_backend_name() == "sqlite":
            advice = "check that its directory exists and is writable and that no other program holds a lock on it"
            message = f"cannot open database {label}: {reason}; {advice}"
        else:
            advice = "check that the server is running and that the host, port, user and password are right"
            message = f"cannot reach database {label}: {reason}; {advice}"
        raise StoreUnavailableError(message) from error
    return RunStore(engine, url_label=label)


def _create_engine(url: URL, sqlite_busy_timeout: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, sqlite_busy_timeout)
    return _create_postgres_engine(url)


def is_in_memory(url: str) -> bool:
    """Whether ``url`` is a SQLite database that lives in memory only (``sqlite://``, ``sqlite:///``)."""
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError):
        return False
    return parsed.get_backend_name() == "sqlite" and _in_memory(parsed)


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _create_sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    if _in_memory(url):
        # One shared connection: each new connection to ":memory:" would be a new, empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _create_private_file(str(url.database))
        engine = create_engine(url)
    busy_ms = max(0, int(busy_timeout * 1000))

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so that switching to WAL waits for a busy file too.
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return engine


def _create_private_file(path: str) -> None:
    """Create a new database file readable by its owner only: it holds tracebacks and job output.
    SQLite gives its -wal and -shm files the database file's permissions."""
    if path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:
        pass  # SQLite says why it cannot open the file, in its own words


def _create_postgres_engine(url: URL) -> Engine:
    defaults: dict[str, Any] = {
        "connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS,
        # Per process, so that an operator (or a test) can tell which scheduler a session belongs to.
        "application_name": f"jobconsole pid {os.getpid()}",
        # A server that vanished without closing the connection is noticed in about a minute.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    connect_args = {key: value for key, value in defaults.items() if key not in url.query}
    return create_engine(
        url,
        pool_pre_ping=True,
        # Batches of run updates go in a few round trips rather than one per row.
        executemany_mode="values_plus_batch",
        connect_args=connect_args,
    )
