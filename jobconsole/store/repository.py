"""RunStore: the queries the engine and the console need, over one SQLAlchemy engine.

Every method opens its own connection from the pool, so one store may be used
from several threads. Connection problems become
:class:`~jobconsole.interface.StoreUnavailableError`; anything else is a bug
and propagates unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.sql import false

from jobconsole.alert_state import AlertState
from jobconsole.runs import HistoryPage, HistoryQuery, JobStats, PageDirection, RunRecord, RunStatus, RunUpdate
from jobconsole.store.alerts import read_alert_states, read_last_successes
from jobconsole.store.errors import StoreUnavailableError, is_unavailable, one_line_reason
from jobconsole.store.models import identity_table, runs_table
from jobconsole.store.pgcopy import send_copies_through
from jobconsole.store.reads import RecordReads
from jobconsole.store.retention import PURGE_BATCH_ROWS, PurgeReport, PurgeRule, purge_runs
from jobconsole.store.stats import JobStatsRead
from jobconsole.store.attach import AttachChannel
from jobconsole.store.leadership import (
    LEASE_SECONDS,
    FencedError,
    Leadership,
    SchedulerSeen,
    Term,
    fence_sql,
    schedulers_seen,
)
from jobconsole.store.urls import url_secret
from jobconsole.store.writes import RunWriter, Statement

_ID = runs_table.c.id


class RunStore:
    """The run history in one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, url_label: str) -> None:
        self._engine = engine
        self.url_label = url_label
        """The database URL with its password hidden."""
        self.dialect: str = engine.dialect.name
        """``"sqlite"`` or ``"postgresql"``."""
        self.persistent = not (self.dialect == "sqlite" and engine.url.database in (None, "", ":memory:"))
        """False for a SQLite database in memory, which ends with this process."""
        self.term: Term | None = None
        """The leader's term this store writes under: each write is refused once another leader took over."""
        self._fence_sql = fence_sql(engine.dialect.name)
        self._writer = RunWriter(engine.dialect)
        if self._writer.copies:
            send_copies_through(engine)
        self._reads = RecordReads(engine.dialect)
        self._job_stats = JobStatsRead(engine.dialect)

    def __repr__(self) -> str:
        return f"RunStore({self.url_label!r})"

    def leadership(self, holder: str, process: str = "", lease_seconds: float = LEASE_SECONDS) -> Leadership:
        """The lease on this database for one scheduler process; ``holder`` says who it is, in words,
        ``process`` where it runs, for a standby on the same machine to check (see Leadership.try_take)."""
        return Leadership(self._engine, holder, process, lease_seconds)

    def attach_channel(self) -> AttachChannel:
        """The tables through which consoles and the CLI see and steer this database's leader."""
        return AttachChannel(self._engine, self._guard)

    def schedulers(self) -> list[SchedulerSeen]:
        """The scheduler processes on this database (leader and standbys), the leader first."""
        with self._guard("reading the schedulers"), self._engine.connect() as connection:
            return schedulers_seen(connection)

    def guard(self, action: str) -> AbstractContextManager[None]:
        """Turn a lost connection while doing ``action`` into StoreUnavailableError (for Leadership's calls)."""
        return self._guard(action)

    def database_id(self) -> str:
        """A random id the database was given when its schema was made: the same whatever the URL's spelling."""
        with self._guard("reading the database's id"), self._engine.connect() as connection:
            return str(connection.scalar(select(identity_table.c.database_id)))

    def max_run_id(self) -> int:
        """The highest run id stored, 0 for an empty history."""
        with self._guard("reading the highest run id"), self._engine.connect() as connection:
            highest = connection.scalar(select(func.max(_ID)))
        return int(highest or 0)

    def write(self, ops: Sequence[RunRecord | RunUpdate | AlertState]) -> None:
        """Apply ``ops`` in order, in one transaction: a RunRecord inserts a row, a RunUpdate updates one by id,
        an AlertState stores a job's alert-policy state (after the runs' rows).

        Under a leader's :attr:`term`, new rows carry its epoch and the transaction
        is refused with FencedError if another leader has taken over. Raises
        TypeError for an op that is neither and ValueError for a naive timestamp,
        writing nothing in any of these cases.
        """
        term = self.term
        statements = self._writer.statements(ops, None if term is None else term.epoch)
        if not statements:
            return
        try:
            self._write_statements(statements, len(ops), term)
        except sa_exc.IntegrityError as error:
            # A leader that was paused past its lease may collide with a row its successor wrote (an
            # occurrence it counted missed) before its own term check runs: that is fencing too.
            epoch = self._current_epoch() if term is not None else None
            if term is not None and epoch != term.epoch:
                raise FencedError(
                    f"the database refused {len(ops)} run record(s) of term {term.epoch}: "
                    f"another scheduler leads {self.url_label} now (term {epoch})"
                ) from error
            raise

    def _current_epoch(self) -> int | None:
        with self._guard("reading the leader's term"), self._engine.connect() as connection:
            value = connection.exec_driver_sql(fence_sql("sqlite")).scalar()
        return None if value is None else int(value)

    def _write_statements(self, statements: list[Statement], count: int, term: Term | None) -> None:
        with self._guard(f"writing {count} run record(s)"), self._engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement.sql, statement.parameters)
            if term is not None:
                # Last, so that the inserts' write lock (SQLite) or the row's share lock (PostgreSQL) covers the check.
                epoch = connection.exec_driver_sql(self._fence_sql).scalar()
                if epoch != term.epoch:
                    connection.rollback()
                    raise FencedError(
                        f"the database refused {count} run record(s) of term {term.epoch}: "
                        f"another scheduler leads {self.url_label} now (term {epoch})"
                    )

    def find_running(self) -> list[RunRecord]:
        """Rows still marked running, oldest first."""
        with self._guard("looking for running runs"), self._engine.connect() as connection:
            return self._reads.running(connection)

    def get_run(self, run_id: int) -> RunRecord | None:
        """One run in full, or None if there is no run with that id."""
        with self._guard(f"reading run {run_id}"), self._engine.connect() as connection:
            return self._reads.get_run(connection, run_id)

    def missed_row_at_or_before(self, job_name: str, moment: datetime) -> RunRecord | None:
        """The job's latest ``missed`` row starting at or before ``moment`` (it may cover ``moment``)."""
        table = runs_table.c
        statement = (
            select(table.id)
            .where(table.job_name == job_name, table.status == RunStatus.MISSED.value, table.scheduled_for <= moment)
            .order_by(table.scheduled_for.desc())
            .limit(1)
        )
        with self._guard(f"reading missed occurrences of {job_name}"), self._engine.connect() as connection:
            run_id = connection.scalar(statement)
            return None if run_id is None else self._reads.get_run(connection, int(run_id))

    def correct_missed(self, row: RunRecord, keep: RunRecord | None, add: RunRecord | None) -> None:
        """Replace the ``missed`` row ``row`` by ``keep`` (same id; None: delete it) and ``add`` (a new row),
        in one transaction: an occurrence it counted turned out to have run."""
        records = [record for record in (keep, add) if record is not None]
        epoch = row.leader_epoch if self.term is None else self.term.epoch
        with self._guard(f"correcting missed row {row.id}"), self._engine.begin() as connection:
            connection.execute(runs_table.delete().where(_ID == row.id))
            for statement in self._writer.statements(records, epoch):
                connection.exec_driver_sql(statement.sql, statement.parameters)

    def history(self, query: HistoryQuery) -> HistoryPage:
        """One page of history, newest first, by keyset on the run id (never OFFSET).

        The page query reads ``limit + 1`` rows in its own direction to learn
        whether more follow; whether any lie on the other side of the anchor is
        an EXISTS on an index, answered by the same query.
        """
        if query.limit < 1:
            raise ValueError(f"history page limit must be at least 1, got {query.limit}")
        direction = query.direction
        if direction in (PageDirection.OLDER, PageDirection.NEWER) and query.anchor_id is None:
            raise ValueError(f"history direction {direction.value!r} needs an anchor_id (the id of a row on the current page)")
        with self._guard("reading run history"), self._engine.connect() as connection:
            return self._reads.history(connection, query)

    def job_stats(self, job_name: str, last: int = 100) -> JobStats:
        """Success rate and durations of the job's last ``last`` finished runs (see :class:`JobStats`)."""
        if last < 1:
            raise ValueError(f"job_stats needs at least one run to look at, got last={last}")
        with self._guard(f"reading the statistics of {job_name}"), self._engine.connect() as connection:
            return self._job_stats(connection, job_name, last)

    def recent_statuses(self, job_names: Sequence[str], per_job: int = 10) -> dict[str, list[RunStatus]]:
        """The statuses of each job's last ``per_job`` runs (running ones included), oldest first."""
        statement = (
            select(runs_table.c.status)
            .where(runs_table.c.job_name == bindparam("job_name"))
            .order_by(_ID.desc())
            .limit(per_job)
        )
        result: dict[str, list[RunStatus]] = {}
        with self._guard("reading recent outcomes"), self._engine.connect() as connection:
            for job_name in job_names:
                newest_first = connection.execute(statement, {"job_name": job_name}).scalars().all()
                result[job_name] = [RunStatus(status) for status in reversed(newest_first)]
        return result

    def last_occurrences(self, job_names: Sequence[str]) -> dict[str, tuple[datetime, int]]:
        """Each job's latest scheduled row that a leader recorded (run, skipped or missed): its
        ``scheduled_for`` and how many occurrences it stands for from there (a ``missed`` row's count,
        else 1). Jobs without one are left out."""
        table = runs_table.c
        statement = (
            select(table.scheduled_for, table.missed_count)
            .where(
                table.job_name == bindparam("job_name"),
                table.triggered_by == "scheduled",
                table.leader_epoch.is_not(None),
            )
            .order_by(table.scheduled_for.desc())
            .limit(1)
        )
        result: dict[str, tuple[datetime, int]] = {}
        with self._guard("reading the jobs' last occurrences"), self._engine.connect() as connection:
            for job_name in job_names:
                row = connection.execute(statement, {"job_name": job_name}).one_or_none()
                if row is not None and row[0] is not None:
                    result[job_name] = (row[0], int(row[1] or 1))
        return result

    def alert_states(self) -> dict[str, AlertState]:
        """The alert policy's stored state of every job that has one, by job name."""
        with self._guard("reading the alert states"), self._engine.connect() as connection:
            return read_alert_states(connection)

    def last_successes(self, job_names: Sequence[str]) -> dict[str, datetime]:
        """When each of ``job_names`` last succeeded (its run's end); jobs that never did are left out."""
        with self._guard("reading the jobs' last successes"), self._engine.connect() as connection:
            return read_last_successes(connection, job_names)

    def last_attempts(self, job_names: Sequence[str]) -> dict[str, RunRecord]:
        """Each job's latest row that is a run (not a skipped or missed occurrence), in full; jobs without
        one are left out. A scheduler taking the lease reads it to plan a retry again."""
        with self._guard("reading the jobs' last attempts"), self._engine.connect() as connection:
            found = {name: self._reads.last_attempt(connection, name) for name in job_names}
        return {name: record for name, record in found.items() if record is not None}

    def purge(
        self,
        rule: PurgeRule,
        *,
        batch_size: int = PURGE_BATCH_ROWS,
        dry_run: bool = False,
        between_batches: Callable[[], bool] = lambda: True,
    ) -> PurgeReport:
        """Delete the runs ``rule`` selects in small batches, each its own short transaction, keeping runs in
        progress and the rows a starting scheduler reads (see :mod:`jobconsole.store.retention`).
        ``dry_run`` counts them instead. Under a leader's :attr:`term` a batch is refused with FencedError
        once another leader took over."""
        with self._guard("deleting old runs"):
            return purge_runs(
                self._engine, rule, term=self.term, batch_size=batch_size, dry_run=dry_run,
                between_batches=between_batches,
            )

    def failure_times_since(self, since: datetime) -> list[datetime]:
        """When each failed, timed-out or abandoned run since ``since`` started, oldest first."""
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"failure_times_since() needs a timezone-aware datetime, got naive {since.isoformat()}")
        started_at = runs_table.c.started_at
        statement = select(started_at).where(runs_table.c.success == false(), started_at >= since).order_by(started_at)
        with self._guard("counting recent failures"), self._engine.connect() as connection:
            return list(connection.execute(statement).scalars().all())

    def close(self) -> None:
        """Close the pooled connections. The store must not be used afterwards."""
        self._engine.dispose()

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except sa_exc.SQLAlchemyError as error:
            if not is_unavailable(error):
                raise
            reason = one_line_reason(error, url_secret(self._engine.url))
            raise StoreUnavailableError(f"database {self.url_label} unavailable while {action}: {reason}") from error
