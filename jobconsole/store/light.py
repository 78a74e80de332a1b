"""A page of run history read straight through the database driver, for the shell CLI.

``jobconsole runs`` must answer within a few hundred milliseconds, interpreter
start included, and importing SQLAlchemy alone takes most of that. So this
module reads a history page with the driver only (``sqlite3``, ``psycopg2``),
never writes, and never migrates: anything it cannot do (a URL it does not
know, a schema it cannot read) raises :class:`LightReadUnavailable`, and the
caller reads through :class:`~jobconsole.store.RunStore` instead, which
upgrades an older schema first.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from jobconsole.runs import EndedBy, HistoryQuery, PageDirection, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store.schemes import POSTGRES_SCHEME, canonical_url

DEFAULT_DATABASE_URL = "sqlite:///jobconsole.db"
"""The embedded default: a SQLite file in the current directory."""

_FIELDS = tuple(field.name for field in fields(RunRecord))
_PAGE_FIELDS = tuple(name for name in _FIELDS if name not in ("traceback", "output"))
"""A page leaves the traceback and the output out, as the console's pages do."""
_ENUMS = {"triggered_by": TriggeredBy, "status": RunStatus, "run_mode": RunMode, "ended_by": EndedBy}
_TIMES = frozenset({"scheduled_for", "started_at", "finished_at", "deadline_at"})


class LightReadUnavailable(Exception):
    """This reader cannot answer; read through RunStore instead."""


def _connect(url: str) -> tuple[str, Any]:
    url = canonical_url(url)
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite":
        path = rest[1:] if rest.startswith("/") else None
        if not path or path.startswith(":memory:") or "?" in path:
            raise LightReadUnavailable(f"not a plain SQLite file URL: {url!r}")
        try:
            return "sqlite", sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=5.0)
        except sqlite3.Error as error:
            raise LightReadUnavailable(str(error)) from None
    if scheme == POSTGRES_SCHEME:
        try:
            import psycopg2
        except ImportError:
            raise LightReadUnavailable("psycopg2 is not installed") from None
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise LightReadUnavailable(f"not a plain PostgreSQL URL: {url!r}")
        # The URL's query holds libpq settings (sslmode, options, ...): they apply here too.
        settings: dict[str, str] = {"application_name": "jobconsole cli", "connect_timeout": "5"}
        settings.update(parse_qsl(parts.query))
        settings["options"] = f"{settings.get('options', '')} -c default_transaction_read_only=on".strip()
        try:
            return "postgresql", psycopg2.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                dbname=unquote(parts.path.strip("/")),
                **settings,
            )
        except psycopg2.Error as error:
            raise LightReadUnavailable(str(error).strip()) from None
    raise LightReadUnavailable(f"unknown database URL scheme {scheme!r}")


def history(url: str, query: HistoryQuery) -> list[RunRecord]:
    """The newest page of runs matching ``query`` (its job, statuses and age), newest first."""
    if query.direction is not PageDirection.NEWEST or query.failures_only or query.job_contains is not None:
        raise LightReadUnavailable("only the newest page, by job, status and age")
    dialect, connection = _connect(url)
    marker = "?" if dialect == "sqlite" else "%s"
    where: list[str] = []
    params: list[Any] = []
    if query.job_name is not None:
        where.append(f"job_name = {marker}")
        params.append(query.job_name)
    if query.statuses:
        where.append(f"status IN ({', '.join([marker] * len(query.statuses))})")
        params.extend(status.value for status in query.statuses)
    if query.since is not None:
        since = query.since.astimezone(timezone.utc)
        where.append(f"started_at >= {marker}")
        # SQLite keeps UTC timestamps as text, PostgreSQL as timestamptz: each is compared in its own kind.
        params.append(since.isoformat(" ", "microseconds")[:26] if dialect == "sqlite" else since)
    sql = (
        f"SELECT {', '.join(_PAGE_FIELDS)} FROM scheduled_job_runs"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY id DESC LIMIT {int(query.limit)}"
    )
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    except Exception as error:  # a schema this reader does not know: RunStore upgrades it, then reads
        raise LightReadUnavailable(str(error).strip()) from None
    finally:
        connection.close()
    return [_record(row, dialect) for row in rows]


def _record(row: tuple[Any, ...], dialect: str) -> RunRecord:
    values: dict[str, Any] = {}
    for name, value in zip(_PAGE_FIELDS, row, strict=True):
        if value is not None:
            if name in _ENUMS:
                value = _ENUMS[name](value)
            elif name in _TIMES:
                value = _utc(value)
            elif name == "success":
                value = bool(value)
        values[name] = value
    return RunRecord(**values)


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    moment: datetime = value
    return moment.astimezone(timezone.utc)
