"""One leader per database: a lease in a table, terms (epochs) that fence out a replaced leader.

The lease is one row of ``jobconsole_leadership``: the leader's term, who it
is, and until when it holds the lease unless it renews it. Times are seconds
on the database server's clock, so schedulers on hosts whose clocks disagree
still agree on when a lease has lapsed. Taking the lease is a compare-and-set
on the term, so of two schedulers that find it lapsed exactly one wins, and
each new leader's term is one more than the last.

Fencing: every batch of run rows the leader writes checks, in the same
transaction and after its inserts, that the lease still names its term (see
:meth:`Leadership.fence_sql`). On PostgreSQL the check takes a share lock on
the lease row, so a takeover either committed before (the batch is refused)
or waits until the batch has committed; on SQLite the inserts already hold
the one write lock. A leader that was paused (SIGSTOP, a hung host) and wakes
after being replaced can therefore write nothing.

Unlike a session lock, the lease does not end with a connection: a restarted
PostgreSQL or a terminated session costs the leader nothing if it renews in
time, and a second scheduler never leads while the first still holds it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from jobconsole.errors import JobconsoleError

LEASE_SECONDS = 10.0
"""How long a lease lasts unless renewed; a standby takes over this long after the leader's last renewal."""
FORGET_AFTER_SECONDS = 60.0
"""A scheduler not seen for this long is dropped from ``jobconsole_schedulers`` (it died without saying so)."""

_NOW = {
    "postgresql": "extract(epoch from clock_timestamp())",
    # julianday('now') has millisecond precision; 2440587.5 is 1970-01-01 as a Julian day.
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


def db_now_sql(dialect_name: str) -> str:
    """SQL for the database server's clock, in seconds since 1970."""
    return _NOW[dialect_name]


class FencedError(JobconsoleError, RuntimeError):
    """The database refused a write: another scheduler has taken the lease since this one's term began."""


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds (or last held) the lease, as read from the database."""

    epoch: int
    instance: str
    holder: str
    process: str
    """Where the holder runs, in a form only a process on the same machine can check (see try_take)."""
    taken_at: float
    expires_at: float
    now: float
    """The database's clock when this was read."""

    @property
    def live(self) -> bool:
        return self.expires_at > self.now


@dataclass(frozen=True)
class SchedulerSeen:
    """A scheduler process on the database, as it last checked in."""

    holder: str
    role: str
    """``"leader"`` or ``"standby"``."""
    started_at: float
    seen_at: float
    now: float
    """The database's clock when this was read."""


@dataclass(frozen=True)
class Term:
    """This scheduler's term as leader."""

    epoch: int
    instance: str
    previous: str = ""
    """Who led before (in words); empty for the database's first leader."""
    previous_for: float = 0.0
    """How long ago the previous leader may last have dispatched, in seconds (0: it may have until now)."""


class Leadership:
    """Take, renew and give up the lease for one scheduler process (``holder`` says who, in words)."""

    def __init__(self, engine: Engine, holder: str, process: str = "", lease_seconds: float = LEASE_SECONDS) -> None:
        self._engine = engine
        self.holder = holder
        self.process = process
        self.instance = uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        self._now = _NOW[engine.dialect.name]

    def try_take(self, holder_gone: Callable[[str, str], bool] = lambda _process, _instance: False) -> Term | LeaseHolder:
        """Take the lease if nobody holds it (or it lapsed): the new Term; else who holds it.

        ``holder_gone(process, instance)`` may say that the holder has surely ended
        (it ran on this machine and is not running any more): the lease is then
        taken at once instead of when it lapses.
        """
        with self._engine.begin() as connection:
            # A database no scheduler ever led gets a lapsed lease of term 0 to take.
            connection.execute(
                text(
                    "INSERT INTO jobconsole_leadership (id, epoch, instance, holder, process, taken_at, expires_at) "
                    f"VALUES (1, 0, '', '', '', {self._now}, {self._now}) ON CONFLICT (id) DO NOTHING"
                )
            )
            current = self._read(connection)
            assert current is not None
            if current.live and current.instance != self.instance and not holder_gone(current.process, current.instance):
                self._check_in(connection, "standby")
                return current
            taken = connection.execute(
                text(
                    "UPDATE jobconsole_leadership SET epoch = epoch + 1, instance = :instance, holder = :holder, process = :process, "
                    f"taken_at = {self._now}, expires_at = {self._now} + :lease WHERE id = 1 AND epoch = :seen"
                ),
                {**self._params(), "seen": current.epoch},
            ).rowcount
            if taken != 1:
                return self._read(connection) or current
            self._check_in(connection, "leader")
            return Term(current.epoch + 1, self.instance, current.holder, max(current.now - current.expires_at, 0.0))

    def renew(self, term: Term) -> LeaseHolder | None:
        """Extend the lease of ``term``: None when renewed, else who took it over."""
        with self._engine.begin() as connection:
            renewed = connection.execute(
                text(
                    f"UPDATE jobconsole_leadership SET expires_at = {self._now} + :lease "
                    "WHERE id = 1 AND epoch = :epoch AND instance = :instance"
                ),
                {"lease": self.lease_seconds, "epoch": term.epoch, "instance": term.instance},
            ).rowcount
            if renewed == 1:
                self._check_in(connection, "leader")
                return None
            current = self._read(connection)
        assert current is not None, "the lease row is never deleted"
        return current

    def release(self, term: Term) -> None:
        """Give the lease up at once (a clean shutdown): a standby takes over on its next look."""
        with self._engine.begin() as connection:
            connection.execute(
                text(
                    f"UPDATE jobconsole_leadership SET expires_at = {self._now} "
                    "WHERE id = 1 AND epoch = :epoch AND instance = :instance"
                ),
                {"epoch": term.epoch, "instance": term.instance},
            )
            connection.execute(text("DELETE FROM jobconsole_schedulers WHERE instance = :instance"), {"instance": self.instance})

    def leave(self) -> None:
        """A standby that stops: forget it."""
        with self._engine.begin() as connection:
            connection.execute(text("DELETE FROM jobconsole_schedulers WHERE instance = :instance"), {"instance": self.instance})

    def current(self) -> LeaseHolder | None:
        """Who holds or last held the lease; None if no scheduler ever tried to lead this database."""
        with self._engine.connect() as connection:
            return self._read(connection)

    def _read(self, connection: Connection) -> LeaseHolder | None:
        row = connection.execute(
            text(
                f"SELECT epoch, instance, holder, process, taken_at, expires_at, {self._now} "
                "FROM jobconsole_leadership WHERE id = 1"
            )
        ).one_or_none()
        if row is None:
            return None
        return LeaseHolder(int(row[0]), row[1], row[2], row[3], float(row[4]), float(row[5]), float(row[6]))

    def _params(self) -> dict[str, object]:
        return {"instance": self.instance, "holder": self.holder, "process": self.process, "lease": self.lease_seconds}

    def _check_in(self, connection: Connection, role: str) -> None:
        """Say in ``jobconsole_schedulers`` that this scheduler is alive, and in which role."""
        params = {"instance": self.instance, "holder": self.holder, "role": role, "forget": FORGET_AFTER_SECONDS}
        updated = connection.execute(
            text(f"UPDATE jobconsole_schedulers SET role = :role, seen_at = {self._now} WHERE instance = :instance"),
            params,
        ).rowcount
        if not updated:
            connection.execute(
                text(
                    "INSERT INTO jobconsole_schedulers (instance, holder, role, started_at, seen_at) "
                    f"VALUES (:instance, :holder, :role, {self._now}, {self._now})"
                ),
                params,
            )
            connection.execute(
                text(f"DELETE FROM jobconsole_schedulers WHERE seen_at < {self._now} - :forget"), params
            )


def schedulers_seen(connection: Connection) -> list[SchedulerSeen]:
    """Every scheduler seen within :data:`FORGET_AFTER_SECONDS`, the leader first."""
    now = _NOW[connection.dialect.name]
    rows = connection.execute(
        text(
            f"SELECT holder, role, started_at, seen_at, {now} FROM jobconsole_schedulers "
            f"WHERE seen_at >= {now} - :forget ORDER BY role, started_at"
        ),
        {"forget": FORGET_AFTER_SECONDS},
    ).all()
    return [SchedulerSeen(row[0], row[1], float(row[2]), float(row[3]), float(row[4])) for row in rows]


def fence_sql(dialect_name: str) -> str:
    """The statement a leader's write runs last in its transaction: the lease's current term.

    On PostgreSQL it takes a share lock on the lease row until the commit, so a
    takeover cannot slip in between the check and the commit.
    """
    suffix = " FOR SHARE" if dialect_name == "postgresql" else ""
    return f"SELECT epoch FROM jobconsole_leadership WHERE id = 1{suffix}"
