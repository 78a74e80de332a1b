"""The run history: the ``scheduled_job_runs`` table in SQLite or PostgreSQL.

This package is the only part of jobconsole that speaks SQL. The engine writes
runs through :class:`RunStore`; the console reads them only through the
engine's interface::

    store = open_store("sqlite:///jobconsole.db")
    store.write([record])
    page = store.history(HistoryQuery(limit=50))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobconsole.store.database import is_in_memory, open_store, redact_url
    from jobconsole.store.errors import StoreConfigError, StoreUnavailableError
    from jobconsole.store.light import DEFAULT_DATABASE_URL
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

# Imported on first use: the shell CLI's light reads (jobconsole.store.light) must not load SQLAlchemy.
_HOMES = {
    "DEFAULT_DATABASE_URL": "jobconsole.store.light",
    "RunStore": "jobconsole.store.repository",
    "StoreConfigError": "jobconsole.store.errors",
    "StoreUnavailableError": "jobconsole.store.errors",
    "open_store": "jobconsole.store.database",
    "is_in_memory": "jobconsole.store.database",
    "redact_url": "jobconsole.store.database",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'jobconsole.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
