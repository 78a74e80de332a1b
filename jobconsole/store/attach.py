"""The attach channel in the database: the leader's published state, operators' commands, paused jobs.

Consoles and the shell CLI on any host that reaches the database see and
steer the leader through three tables, with no port of their own:

- ``jobconsole_published``: one row, the leader's latest state (a JSON
  document, see :mod:`jobconsole.attach.wire`) and its heartbeat. A leader
  writes it only while its term is current, so a replaced one cannot
  overwrite its successor's.
- ``jobconsole_commands``: each command kept with who asked (user@host), when,
  and what came of it; the leader takes those not yet handled. This is also
  the audit trail shown with the runs a command started or stopped.
- ``jobconsole_job_state``: which jobs are paused, by whom and since when, so
  a pause survives restarts and takeovers.

Times are seconds on the database server's clock, as for the lease.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, PoolProxiedConnection, text

from jobconsole.errors import StoreUnavailableError
from jobconsole.interface import CommandRecord
from jobconsole.store.leadership import db_now_sql

COMMAND_MAX_AGE_SECONDS = 30.0
"""A command no leader took within this long is marked expired, never carried out late."""


class CommandKind(str, enum.Enum):
    TRIGGER = "trigger"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True)
class Published:
    """The leader's state as it last published it."""

    instance: str
    epoch: int
    holder: str
    started_at: float
    published_at: float
    now: float
    """The database's clock when this was read."""
    document: str
    holds_lease: bool
    """Whether the publisher still holds the lease (a leader that stopped gave it up)."""

    @property
    def age(self) -> float:
        """Seconds since the leader last published or beat."""
        return max(self.now - self.published_at, 0.0)


@dataclass(frozen=True)
class Command:
    id: int
    kind: CommandKind
    job_name: str | None
    run_id: int | None
    requested_by: str
    requested_at: float
    handled_by: str | None = None
    handled_at: float | None = None
    ok: bool | None = None
    result: str | None = None
    result_run_id: int | None = None

    @property
    def handled(self) -> bool:
        return self.handled_at is not None

    @property
    def requested_time(self) -> datetime:
        return datetime.fromtimestamp(self.requested_at, timezone.utc)

    def record(self) -> CommandRecord:
        return CommandRecord(self.kind.value, self.requested_by, self.requested_time, self.result)


@dataclass(frozen=True)
class PausedJob:
    job_name: str
    paused_by: str
    paused_at: float


_PENDING_PROBE = "SELECT 1 FROM jobconsole_commands WHERE handled_at IS NULL LIMIT 1"
_COMMAND_COLUMNS = (
    "id, kind, job_name, run_id, requested_by, requested_at, handled_by, handled_at, ok, result, result_run_id"
)


def _command(row: tuple[object, ...]) -> Command:
    (id_, kind, job_name, run_id, by, at, handled_by, handled_at, ok, result, result_run_id) = row
    return Command(
        int(id_), CommandKind(kind), job_name, None if run_id is None else int(run_id), by, float(at),
        handled_by, None if handled_at is None else float(handled_at), None if ok is None else bool(ok), result,
        None if result_run_id is None else int(result_run_id),
    )


class AttachChannel:
    """The attach tables of one database."""

    def __init__(self, engine: Engine, guard: Callable[[str], AbstractContextManager[None]]) -> None:
        self._engine = engine
        self._guard = guard
        """Turns a lost connection into StoreUnavailableError, naming what was being done."""
        self._now = db_now_sql(engine.dialect.name)
        self._probe: PoolProxiedConnection | None = None

    # -- the leader's state --------------------------------------------------------------------

    def publish(self, instance: str, epoch: int, holder: str, document: str | None) -> bool:
        """Write the leader's state (``document``; None: only the heartbeat). False if a later term has
        published since (this scheduler no longer leads), and nothing is written then."""
        params = {"instance": instance, "epoch": epoch, "holder": holder, "document": document}
        keep = "document" if document is None else ":document"
        with self._guard("publishing the scheduler's state"), self._engine.begin() as connection:
            updated = connection.execute(
                text(
                    f"UPDATE jobconsole_published SET instance = :instance, epoch = :epoch, holder = :holder, "
                    f"started_at = CASE WHEN instance = :instance THEN started_at ELSE {self._now} END, "
                    f"published_at = {self._now}, document = {keep} WHERE id = 1 AND epoch <= :epoch"
                ),
                params,
            ).rowcount
            if updated:
                return True
            if document is None:
                return False
            inserted = connection.execute(
                text(
                    "INSERT INTO jobconsole_published (id, instance, epoch, holder, started_at, published_at, document) "
                    f"VALUES (1, :instance, :epoch, :holder, {self._now}, {self._now}, :document) "
                    "ON CONFLICT (id) DO NOTHING"
                ),
                params,
            ).rowcount
            return bool(inserted)

    def published(self) -> Published | None:
        """What the leader last published; None if no leader ever did."""
        with self._guard("reading the scheduler's state"), self._engine.connect() as connection:
            row = connection.execute(
                text(
                    f"SELECT p.instance, p.epoch, p.holder, p.started_at, p.published_at, {self._now}, p.document, "
                    f"l.instance = p.instance AND l.expires_at > {self._now} "
                    "FROM jobconsole_published p LEFT JOIN jobconsole_leadership l ON l.id = 1 WHERE p.id = 1"
                )
            ).one_or_none()
        if row is None:
            return None
        return Published(
            row[0], int(row[1]), row[2], float(row[3]), float(row[4]), float(row[5]), row[6], bool(row[7])
        )

    # -- commands --------------------------------------------------------------------------------

    def request(self, kind: CommandKind, requested_by: str, job_name: str | None = None, run_id: int | None = None) -> int:
        """Leave a command for the leader; its id, to wait for its result with :meth:`command`."""
        with self._guard("sending a command"), self._engine.begin() as connection:
            row = connection.execute(
                text(
                    "INSERT INTO jobconsole_commands (kind, job_name, run_id, requested_by, requested_at) "
                    f"VALUES (:kind, :job_name, :run_id, :by, {self._now}) RETURNING id"
                ),
                {"kind": kind.value, "job_name": job_name, "run_id": run_id, "by": requested_by},
            ).one()
        return int(row[0])

    def command(self, command_id: int) -> Command | None:
        with self._guard("reading a command"), self._engine.connect() as connection:
            row = connection.execute(
                text(f"SELECT {_COMMAND_COLUMNS} FROM jobconsole_commands WHERE id = :id"), {"id": command_id}
            ).one_or_none()
        return None if row is None else _command(tuple(row))

    def has_pending(self) -> bool:
        """Whether any command waits: the leader's frequent look, on a driver connection kept for it
        (a pooled SQLAlchemy statement costs ten times the database's own work here)."""
        try:
            if self._probe is None:
                self._probe = self._engine.raw_connection()
                driver = self._probe.driver_connection
                if self._engine.dialect.name == "postgresql":
                    # No transaction left open between looks ("idle in transaction").
                    driver.autocommit = True  # type: ignore[union-attr]
            cursor = self._probe.cursor()
            try:
                cursor.execute(_PENDING_PROBE)
                return cursor.fetchone() is not None
            finally:
                cursor.close()
        except Exception as error:
            self.close_probe()
            raise StoreUnavailableError(f"cannot look for commands: {str(error).strip().splitlines()[0]}") from None

    def close_probe(self) -> None:
        """Let the connection :meth:`has_pending` keeps go (at shutdown, or after an error)."""
        probe, self._probe = self._probe, None
        if probe is not None:
            try:
                probe.invalidate()
            except Exception:  # already broken: nothing to give back
                pass

    def take_pending(self, handled_by: str) -> list[Command]:
        """Commands not yet handled, oldest first. One read when there are none (the leader asks
        several times a second); those older than :data:`COMMAND_MAX_AGE_SECONDS` are marked
        expired instead (nobody led to take them in time: carrying them out now would surprise)."""
        with self._guard("reading commands"), self._engine.connect() as connection:
            rows = connection.execute(
                text(
                    f"SELECT {_COMMAND_COLUMNS}, {self._now} FROM jobconsole_commands "
                    "WHERE handled_at IS NULL ORDER BY id"
                )
            ).all()
        fresh: list[Command] = []
        for row in rows:
            command = _command(tuple(row[:-1]))
            if float(row[-1]) - command.requested_at > COMMAND_MAX_AGE_SECONDS:
                self.complete(
                    command.id, handled_by, False,
                    f"expired: no scheduler took it within {COMMAND_MAX_AGE_SECONDS:g} s", None,
                )
            else:
                fresh.append(command)
        return fresh

    def complete(self, command_id: int, handled_by: str, ok: bool, result: str, result_run_id: int | None) -> None:
        """Say what came of a command (once: a second answer to the same command is ignored)."""
        with self._guard("answering a command"), self._engine.begin() as connection:
            connection.execute(
                text(
                    f"UPDATE jobconsole_commands SET handled_by = :by, handled_at = {self._now}, ok = :ok, "
                    "result = :result, result_run_id = :run_id WHERE id = :id AND handled_at IS NULL"
                ),
                {"by": handled_by, "ok": ok, "result": result, "run_id": result_run_id, "id": command_id},
            )

    def commands_for_run(self, run_id: int) -> list[Command]:
        """The commands that started or stopped run ``run_id``, oldest first (its audit trail)."""
        with self._guard("reading a run's commands"), self._engine.connect() as connection:
            rows = connection.execute(
                text(
                    f"SELECT {_COMMAND_COLUMNS} FROM jobconsole_commands "
                    "WHERE run_id = :id OR result_run_id = :id ORDER BY id"
                ),
                {"id": run_id},
            ).all()
        return [_command(tuple(row)) for row in rows]

    # -- paused jobs -------------------------------------------------------------------------------

    def paused_jobs(self) -> dict[str, PausedJob]:
        with self._guard("reading paused jobs"), self._engine.connect() as connection:
            rows = connection.execute(
                text("SELECT job_name, paused_by, paused_at FROM jobconsole_job_state WHERE paused = :yes"),
                {"yes": True},
            ).all()
        return {row[0]: PausedJob(row[0], row[1] or "", float(row[2] or 0.0)) for row in rows}

    def set_paused(self, job_name: str, paused: bool, by: str) -> None:
        params = {"name": job_name, "paused": paused, "by": by}
        with self._guard("recording a pause"), self._engine.begin() as connection:
            updated = connection.execute(
                text(
                    f"UPDATE jobconsole_job_state SET paused = :paused, paused_by = :by, paused_at = {self._now} "
                    "WHERE job_name = :name"
                ),
                params,
            ).rowcount
            if not updated:
                connection.execute(
                    text(
                        "INSERT INTO jobconsole_job_state (job_name, paused, paused_by, paused_at) "
                        f"VALUES (:name, :paused, :by, {self._now})"
                    ),
                    params,
                )
