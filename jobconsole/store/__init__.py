"""The run history: the ``scheduled_job_runs`` table in SQLite or PostgreSQL.

This package is the only part of jobconsole that speaks SQL. The engine writes
runs through :class:`RunStore`; the console reads them only through the
engine's interface::

    store = open_store("sqlite:///jobconsole.db")
    store.write([record])
    page = store.history(HistoryQuery(limit=50))
"""

from jobconsole.store.database import DEFAULT_DATABASE_URL, is_in_memory, open_store, redact_url
from jobconsole.store.errors import StoreConfigError, StoreUnavailableError
from jobconsole.store.repository import RunStore

__all__ = [
    "DEFAULT_DATABASE_URL",
    "RunStore",
    "StoreConfigError",
    "StoreUnavailableError",
    "open_store",
    "is_in_memory",
    "redact_url",
]
