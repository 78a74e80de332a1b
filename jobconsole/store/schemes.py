"""Database URL schemes as people write them, and the driver jobconsole opens them with.

``postgres://`` (the usual ``DATABASE_URL`` form, which SQLAlchemy no longer
accepts) and ``postgresql://`` (for which SQLAlchemy 2.1 would pick psycopg 3,
which jobconsole does not install) both mean psycopg2. No SQLAlchemy here: the
shell CLI's light reads use this too.
"""

from __future__ import annotations

POSTGRES_SCHEME = "postgresql+psycopg2"
_ALIASES = {"postgres": POSTGRES_SCHEME, "postgresql": POSTGRES_SCHEME}


def canonical_url(url: str) -> str:
    """``url`` with a PostgreSQL scheme that names no driver made ``postgresql+psycopg2``; any other URL as it is."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in _ALIASES:
        return f"{_ALIASES[scheme]}://{rest}"
    return url
