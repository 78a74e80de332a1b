"""Deleting old runs in small batches that never hold up recording: ``jobconsole purge`` and the leader's retention.

A purge deletes the rows that started before a cutoff, except:

- rows still ``running``;
- each job's newest ``keep_per_job`` rows, when asked to keep them whatever their age;
- the rows a scheduler reads when it starts leading: each job's newest row (the table's highest id, from
  which the next run id is counted, is one of them), its newest run (a pending retry is planned again from
  it) and its last recorded occurrence (its schedule resumes from it, an interval job in its phase).

It walks the table by id, ``batch_size`` candidates at a time, and deletes each batch in a transaction of
its own. On SQLite a write transaction holds the database's one write lock, so a recorder that wants to
write waits for one batch (milliseconds), never for the purge; on PostgreSQL a delete locks only the rows it
deletes, which nobody else writes. Between batches the caller's ``between_batches`` pauses and says whether
to go on (a leader that may no longer lead stops). What is kept is decided once, at the start: rows written
meanwhile are newer than any cutoff, and keeping a row that became deletable is always safe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Delete, Engine, bindparam, func, select

from jobconsole.runs import RunStatus
from jobconsole.store.leadership import FencedError, Term, fence_sql
from jobconsole.store.models import runs_table
from jobconsole.store.reads import NOT_RUNS

PURGE_BATCH_ROWS = 500
"""Rows deleted per transaction: a few milliseconds of the write lock on SQLite."""
PURGE_PAUSE_SECONDS = 0.05
"""Between two batches: a purge takes at most about half of the database's write time."""

_C = runs_table.c
_RUNNING = RunStatus.RUNNING.value


@dataclass(frozen=True)
class PurgeRule:
    """Which rows a purge deletes: those started before ``older_than`` beyond each job's newest ``keep_per_job``."""

    older_than: datetime
    """Rows that started before this moment (timezone-aware) may go."""
    keep_per_job: int | None = None
    """Each job's newest rows kept whatever their age; None: only those a starting scheduler needs."""

    def __post_init__(self) -> None:
        if self.older_than.tzinfo is None or self.older_than.utcoffset() is None:
            raise ValueError(f"a purge needs a timezone-aware cutoff, got naive {self.older_than.isoformat()}")
        if self.keep_per_job is not None and self.keep_per_job < 1:
            raise ValueError(f"keep_per_job must be at least 1 (or None), got {self.keep_per_job}")


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, ``dry_run``, would delete): rows per job."""

    deleted: Mapping[str, int]
    dry_run: bool
    batches: int
    """Transactions that deleted rows (for a dry run: batches of candidates read)."""
    complete: bool
    """False when ``between_batches`` stopped it before the end."""

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


@dataclass(frozen=True)
class _Plan:
    kept: frozenset[int]
    """Ids of rows a starting scheduler reads."""
    floors: Mapping[str, int]
    """With ``keep_per_job``: each job's lowest id among its newest rows kept (rows from it up are kept)."""
    upper: int
    """The highest id when the purge began: later rows are new."""


def _plan(connection: Connection, rule: PurgeRule) -> _Plan:
    newest = dict(connection.execute(select(_C.job_name, func.max(_C.id)).group_by(_C.job_name)).all())
    newest_run = (
        select(_C.id)
        .where(_C.job_name == bindparam("job"), _C.status.not_in([status.value for status in NOT_RUNS]))
        .order_by(_C.id.desc())
        .limit(1)
    )
    last_occurrence = (
        select(_C.id)
        .where(_C.job_name == bindparam("job"), _C.triggered_by == "scheduled", _C.leader_epoch.is_not(None))
        .order_by(_C.scheduled_for.desc())
        .limit(1)
    )
    nth_newest = select(_C.id).where(_C.job_name == bindparam("job")).order_by(_C.id.desc()).offset(bindparam("skip")).limit(1)
    kept: set[int] = set(newest.values())
    floors: dict[str, int] = {}
    for job in newest:
        for statement in (newest_run, last_occurrence):
            found = connection.scalar(statement, {"job": job})
            if found is not None:
                kept.add(int(found))
        if rule.keep_per_job is not None:
            floor = connection.scalar(nth_newest, {"job": job, "skip": rule.keep_per_job - 1})
            # Fewer rows than that: all of them are kept.
            floors[job] = 0 if floor is None else int(floor)
    return _Plan(frozenset(kept), floors, max(newest.values(), default=0))


def purge_runs(
    engine: Engine,
    rule: PurgeRule,
    *,
    term: Term | None = None,
    batch_size: int = PURGE_BATCH_ROWS,
    dry_run: bool = False,
    between_batches: Callable[[], bool] = lambda: True,
) -> PurgeReport:
    """Delete the rows ``rule`` selects, batch by batch (see the module). Under a leader's ``term`` each
    batch is checked against the lease in its own transaction and refused with FencedError once another
    leader took over. ``between_batches`` is called before every batch; False stops the purge."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    with engine.connect() as connection:
        plan = _plan(connection, rule)
    candidates = (
        select(_C.id, _C.job_name)
        .where(
            _C.id > bindparam("after"),
            _C.id <= plan.upper,
            _C.started_at < rule.older_than,
            _C.status != _RUNNING,
        )
        .order_by(_C.id)
        .limit(batch_size)
    )
    # The status again: a row is never deleted while it says running, whatever happened since it was read.
    delete = runs_table.delete().where(_C.id.in_(bindparam("ids", expanding=True)), _C.status != _RUNNING)
    deleted: Counter[str] = Counter()
    batches = 0
    after = 0
    while True:
        if not between_batches():
            return PurgeReport(dict(deleted), dry_run, batches, complete=False)
        with engine.connect() as connection:
            rows = connection.execute(candidates, {"after": after}).all()
        if not rows:
            break
        after = rows[-1][0]
        chosen = [(run_id, job) for run_id, job in rows if _deletable(run_id, job, plan)]
        if chosen:
            if not dry_run:
                _delete(engine, delete, [run_id for run_id, _ in chosen], term)
            deleted.update(job for _, job in chosen)
            batches += 1
        if len(rows) < batch_size:
            break
    return PurgeReport(dict(deleted), dry_run, batches, complete=True)


def _deletable(run_id: int, job: str, plan: _Plan) -> bool:
    return run_id not in plan.kept and run_id < plan.floors.get(job, run_id + 1)


def _delete(engine: Engine, delete: Delete, ids: list[int], term: Term | None) -> None:
    with engine.begin() as connection:
        connection.execute(delete, {"ids": ids})
        if term is not None:
            # Last, as for the run records: the delete's write lock (SQLite) or the lease row's share
            # lock (PostgreSQL) covers the check until the commit.
            epoch = connection.exec_driver_sql(fence_sql(engine.dialect.name)).scalar()
            if epoch != term.epoch:
                connection.rollback()
                raise FencedError(
                    f"the database refused a purge of term {term.epoch}: another scheduler leads now (term {epoch})"
                )
