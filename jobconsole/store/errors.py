"""How database exceptions become one-line messages."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from jobconsole.errors import StoreConfigError, StoreUnavailableError

__all__ = ["StoreConfigError", "StoreUnavailableError", "is_unavailable", "one_line_reason"]


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means "the database cannot be used right now", as opposed to a bug.

    Lost connections, refused connections, a server shutting down and a locked
    SQLite file are all outages the caller may wait out; anything else (a
    constraint violation, bad data) is a real error and must not be retried.
    """
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def one_line_reason(error: BaseException, secret: str | None = None) -> str:
    """The driver's own explanation, on one line, with ``secret`` (a password) hidden."""
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig is not None else error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    text = lines[0] if lines else type(cause).__name__
    # psycopg2 says 'connection to server at "h" (ip), port p failed: Connection refused';
    # the address is already in the URL that accompanies the reason.
    if text.startswith("connection to server") and " failed: " in text:
        text = text.rsplit(" failed: ", 1)[1]
    if secret:
        text = text.replace(secret, "***")
    if text[:2].istitle():
        text = text[0].lower() + text[1:]
    return text
