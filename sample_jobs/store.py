"""The sample app's own data: meetings, the alert log, newsletter issues, the embedding index.

A SQLite file in the demo data directory, created on first use. It is opened
in WAL mode with a busy timeout, so a thread job and a process job can use it
at the same time: readers never wait for the writer, and writers queue.
Each job opens its own :class:`DemoStore`; a connection is never shared
between threads or processes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType

from sample_jobs.site import Meeting

BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    meeting_id    TEXT PRIMARY KEY,
    mep_id        INTEGER NOT NULL,
    mep_name      TEXT NOT NULL,
    day           TEXT NOT NULL,
    title         TEXT NOT NULL,
    organisation  TEXT NOT NULL,
    committee     TEXT NOT NULL,
    location      TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS meetings_by_day ON meetings (day);
CREATE TABLE IF NOT EXISTS alert_log (
    subscription_id TEXT NOT NULL,
    meeting_id      TEXT NOT NULL,
    sent_at         TEXT NOT NULL,
    PRIMARY KEY (subscription_id, meeting_id)
);
CREATE TABLE IF NOT EXISTS newsletter_issues (
    issue      TEXT PRIMARY KEY,
    sent_at    TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    channel    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    id          INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL,
    model       TEXT NOT NULL,
    vector      BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS partner_registrations (
    transparency_id TEXT PRIMARY KEY,
    organisation    TEXT NOT NULL,
    registered_on   TEXT NOT NULL,
    annual_spend_eur INTEGER NOT NULL,
    synced_at       TEXT NOT NULL
);
"""

_MEETING_COLUMNS = "meeting_id, mep_id, mep_name, day, title, organisation, committee, location"


@dataclass(frozen=True)
class EmbeddingRow:
    id: int
    document_id: str
    model: str


@dataclass(frozen=True)
class PartnerRegistration:
    transparency_id: str
    organisation: str
    registered_on: date
    annual_spend_eur: int


class DemoStore:
    """One connection to the sample app's database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> DemoStore:
        """Open (and on first use create) the database at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE (see transaction()).
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DemoStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that takes the write lock at once, so its reads and writes agree."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # Meetings

    def upsert_meetings(self, meetings: Sequence[Meeting]) -> int:
        """Insert new meetings and refresh known ones; returns how many were new."""
        now = _now()
        rows = [(*_meeting_values(m), now, now) for m in meetings]
        with self.transaction():
            before = self._db.total_changes
            self._db.executemany(
                f"INSERT OR IGNORE INTO meetings ({_MEETING_COLUMNS}, first_seen_at, last_seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = self._db.total_changes - before
            self._db.executemany(
                "UPDATE meetings SET mep_id = ?, mep_name = ?, day = ?, title = ?, organisation = ?,"
                " committee = ?, location = ?, last_seen_at = ? WHERE meeting_id = ?",
                [(*_meeting_values(m)[1:], now, m.meeting_id) for m in meetings],
            )
        return added

    def meeting_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM meetings").fetchone()[0])

    def newest_meeting_day(self) -> date | None:
        newest = self._db.execute("SELECT max(day) FROM meetings").fetchone()[0]
        return date.fromisoformat(newest) if newest else None

    def meetings_between(self, first: date, last: date) -> list[Meeting]:
        """Meetings from ``first`` to ``last`` inclusive, by day then MEP."""
        return self._meetings(
            "WHERE day BETWEEN ? AND ? ORDER BY day, mep_name, meeting_id", (first.isoformat(), last.isoformat())
        )

    def all_meetings(self) -> list[Meeting]:
        return self._meetings("ORDER BY meeting_id", ())

    def _meetings(self, clause: str, parameters: tuple[object, ...]) -> list[Meeting]:
        cursor = self._db.execute(f"SELECT {_MEETING_COLUMNS} FROM meetings {clause}", parameters)
        return [_meeting(row) for row in cursor]

    # Alerts

    def meetings_not_alerted(self, subscription_id: str) -> list[Meeting]:
        """Meetings this subscription has not been alerted about yet, by day."""
        return self._meetings(
            "WHERE meeting_id NOT IN (SELECT meeting_id FROM alert_log WHERE subscription_id = ?)"
            " ORDER BY day, meeting_id",
            (subscription_id,),
        )

    def record_alerts(self, subscription_id: str, meeting_ids: Iterable[str]) -> None:
        now = _now()
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO alert_log (subscription_id, meeting_id, sent_at) VALUES (?, ?, ?)",
                [(subscription_id, meeting_id, now) for meeting_id in meeting_ids],
            )

    def alert_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM alert_log").fetchone()[0])

    # Newsletter

    def newsletter_sent(self, issue: str) -> bool:
        return self._db.execute("SELECT 1 FROM newsletter_issues WHERE issue = ?", (issue,)).fetchone() is not None

    def record_newsletter(self, issue: str, recipients: int, channel: str) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO newsletter_issues (issue, sent_at, recipients, channel) VALUES (?, ?, ?, ?)",
                (issue, _now(), recipients, channel),
            )

    # Embeddings

    def embedding_count(self, *, model_other_than: str | None = None) -> int:
        if model_other_than is None:
            return int(self._db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        query = "SELECT count(*) FROM embeddings WHERE model != ?"
        return int(self._db.execute(query, (model_other_than,)).fetchone()[0])

    def add_embeddings_if_empty(self, rows: Iterable[tuple[str, str, bytes]]) -> int:
        """Fill an empty index with ``(document_id, model, vector)`` rows; returns how many were added.

        Checked inside the write transaction, so two first runs cannot both fill it.
        """
        with self.transaction():
            if self._db.execute("SELECT 1 FROM embeddings LIMIT 1").fetchone():
                return 0
            now = _now()
            cursor = self._db.executemany(
                "INSERT INTO embeddings (document_id, model, vector, updated_at) VALUES (?, ?, ?, ?)",
                ((document_id, model, vector, now) for document_id, model, vector in rows),
            )
            return cursor.rowcount

    def embedding_batch(self, after_id: int, limit: int) -> list[EmbeddingRow]:
        """The next ``limit`` rows with an id above ``after_id`` (a keyset page, stable under updates)."""
        cursor = self._db.execute(
            "SELECT id, document_id, model FROM embeddings WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [EmbeddingRow(*row) for row in cursor]

    def replace_embeddings(self, vectors: Sequence[tuple[int, str, bytes]]) -> None:
        """Store new ``(id, model, vector)`` values."""
        now = _now()
        with self.transaction():
            self._db.executemany(
                "UPDATE embeddings SET model = ?, vector = ?, updated_at = ? WHERE id = ?",
                [(model, vector, now, row_id) for row_id, model, vector in vectors],
            )

    # Partner registrations

    def upsert_partner_registrations(self, registrations: Sequence[PartnerRegistration]) -> None:
        now = _now()
        with self.transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO partner_registrations"
                " (transparency_id, organisation, registered_on, annual_spend_eur, synced_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (r.transparency_id, r.organisation, r.registered_on.isoformat(), r.annual_spend_eur, now)
                    for r in registrations
                ],
            )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _meeting_values(m: Meeting) -> tuple[str, int, str, str, str, str, str, str]:
    return (m.meeting_id, m.mep_id, m.mep_name, m.day.isoformat(), m.title, m.organisation, m.committee, m.location)


def _meeting(row: tuple[str, int, str, str, str, str, str, str]) -> Meeting:
    meeting_id, mep_id, mep_name, day, title, organisation, committee, location = row
    return Meeting(meeting_id, mep_id, mep_name, date.fromisoformat(day), title, organisation, committee, location)
