"""RunStore: the queries the engine and the console need, over one SQLAlchemy engine.

Every method opens its own connection from the pool, so one store may be used
from several threads. Connection problems become
:class:`~jobconsole.interface.StoreUnavailableError`; anything else is a bug
and propagates unchanged.
"""

from __future__ import annotations

import enum
import itertools
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, RowMapping, bindparam, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.sql import false

from jobconsole.runs import (
    EndedBy,
    HistoryPage,
    HistoryQuery,
    PageDirection,
    RunMode,
    RunRecord,
    RunStatus,
    RunUpdate,
    TriggeredBy,
)
from jobconsole.store.errors import StoreUnavailableError, is_unavailable, one_line_reason
from jobconsole.store.models import runs_table
from jobconsole.store.scheduler_lock import lock_for

_RECORD_FIELDS = tuple(field.name for field in fields(RunRecord))
_UPDATE_FIELDS = tuple(field.name for field in fields(RunUpdate) if field.name != "id")
# attrgetter reads all fields in one C call: batches of thousands of records stay fast.
_record_values = operator.attrgetter(*_RECORD_FIELDS)
_update_values = operator.attrgetter(*_UPDATE_FIELDS)
_ENUM_FIELDS: dict[str, type[enum.Enum]] = {
    "triggered_by": TriggeredBy,
    "status": RunStatus,
    "run_mode": RunMode,
    "ended_by": EndedBy,
}
_COLUMNS = [runs_table.c[name] for name in _RECORD_FIELDS]
# A history page leaves the traceback out: it can be many kilobytes a row, and
# only the run detail shows it.
_PAGE_COLUMNS = [column for column in _COLUMNS if column.name != "traceback"]
_ID = runs_table.c.id

_INSERT = insert(runs_table)
# The update's WHERE parameter must not share a name with a column: those names
# are taken by the SET clause, which SQLAlchemy builds from the parameter keys.
_UPDATE_BY_ID = update(runs_table).where(_ID == bindparam("run_id"))



class RunStore:
    """The run history in one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, url_label: str) -> None:
        self._engine = engine
        self.url_label = url_label
        """The database URL with its password hidden."""
        self.dialect: str = engine.dialect.name
        """``"sqlite"`` or ``"postgresql"``."""
        self._scheduler_lock = lock_for(engine)

    def __repr__(self) -> str:
        return f"RunStore({self.url_label!r})"

    def claim_for_scheduler(self, owner: str) -> str | None:
        """Make this process the database's one scheduler; None on success, else who already is."""
        with self._guard("claim the database for this scheduler"):
            return self._scheduler_lock.acquire(owner)

    def release_scheduler_claim(self) -> None:
        self._scheduler_lock.release()

    def max_run_id(self) -> int:
        """The highest run id stored, 0 for an empty history."""
        with self._guard("reading the highest run id"), self._engine.connect() as connection:
            highest = connection.scalar(select(func.max(_ID)))
        return int(highest or 0)

    def write(self, ops: Sequence[RunRecord | RunUpdate]) -> None:
        """Apply ``ops`` in order, in one transaction: a RunRecord inserts a row, a RunUpdate updates one by id."""
        for op in ops:
            if not isinstance(op, (RunRecord, RunUpdate)):
                raise TypeError(f"RunStore.write() takes RunRecord and RunUpdate values, not {type(op).__name__}")
        if not ops:
            return
        with self._guard(f"writing {len(ops)} run record(s)"), self._engine.begin() as connection:
            # Consecutive ops of one kind go in one executemany: order is kept, round trips are few.
            for is_insert, group in itertools.groupby(_merged_params(ops), key=lambda item: item[0]):
                statement = _INSERT if is_insert else _UPDATE_BY_ID
                connection.execute(statement, [params for _, params in group])

    def find_running(self) -> list[RunRecord]:
        """Rows still marked running, oldest first."""
        statement = select(*_COLUMNS).where(runs_table.c.status == RunStatus.RUNNING.value).order_by(_ID)
        with self._guard("looking for running runs"), self._engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [_to_record(row) for row in rows]

    def get_run(self, run_id: int) -> RunRecord | None:
        """One run in full, or None if there is no run with that id."""
        with self._guard(f"reading run {run_id}"), self._engine.connect() as connection:
            row = connection.execute(select(*_COLUMNS).where(_ID == run_id)).mappings().first()
        return None if row is None else _to_record(row)

    def history(self, query: HistoryQuery) -> HistoryPage:
        """One page of history, newest first, by keyset on the run id (never OFFSET).

        The page query reads ``limit + 1`` rows in its own direction to learn
        whether more follow; the other side is one EXISTS probe on an index.
        """
        if query.limit < 1:
            raise ValueError(f"history page limit must be at least 1, got {query.limit}")
        direction = query.direction
        anchor = query.anchor_id
        if direction in (PageDirection.OLDER, PageDirection.NEWER) and anchor is None:
            raise ValueError(f"history direction {direction.value!r} needs an anchor_id (the id of a row on the current page)")
        filters = _history_filters(query)
        page_bound: list[ColumnElement[bool]] = []
        other_side: ColumnElement[bool] | None = None
        descending = direction in (PageDirection.NEWEST, PageDirection.OLDER)
        if direction is PageDirection.OLDER:
            page_bound, other_side = [_ID < anchor], _ID >= anchor
        elif direction is PageDirection.NEWER:
            page_bound, other_side = [_ID > anchor], _ID <= anchor
        statement = (
            select(*_PAGE_COLUMNS)
            .where(*filters, *page_bound)
            .order_by(_ID.desc() if descending else _ID.asc())
            .limit(query.limit + 1)
        )
        with self._guard("reading run history"), self._engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
            more_this_way = len(rows) > query.limit
            more_other_way = False
            if other_side is not None:
                probe = select(_ID).where(*filters, other_side).exists()
                more_other_way = bool(connection.scalar(select(probe)))
        records = [_to_record(row) for row in rows[: query.limit]]
        if not descending:
            records.reverse()
            return HistoryPage(rows=tuple(records), has_older=more_other_way, has_newer=more_this_way)
        return HistoryPage(rows=tuple(records), has_older=more_this_way, has_newer=more_other_way)

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
        self._scheduler_lock.release()
        self._engine.dispose()

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except sa_exc.SQLAlchemyError as error:
            if not is_unavailable(error):
                raise
            reason = one_line_reason(error, self._engine.url.password)
            raise StoreUnavailableError(f"database {self.url_label} unavailable while {action}: {reason}") from error


def _history_filters(query: HistoryQuery) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if query.job_name is not None:
        filters.append(runs_table.c.job_name == query.job_name)
    if query.failures_only:
        # "= false" rather than "IS FALSE": only the former can use the (success, id) index.
        filters.append(runs_table.c.success == false())
    return filters


def _with_plain_enums(params: dict[str, Any]) -> dict[str, Any]:
    for name in _ENUM_FIELDS.keys() & params.keys():
        value = params[name]
        if isinstance(value, enum.Enum):
            params[name] = value.value
    return params


def _params(op: RunRecord | RunUpdate) -> dict[str, Any]:
    """The bound parameters of ``_INSERT`` for a record, of ``_UPDATE_BY_ID`` for an update."""
    if isinstance(op, RunRecord):
        return _with_plain_enums(dict(zip(_RECORD_FIELDS, _record_values(op))))
    params = _with_plain_enums(dict(zip(_UPDATE_FIELDS, _update_values(op))))
    params["run_id"] = op.id
    return params


def _merged_params(ops: Sequence[RunRecord | RunUpdate]) -> list[tuple[bool, dict[str, Any]]]:
    """Parameters for each op, in order, with an update folded into its row's insert in the same batch.

    A run that starts and ends between two writes (most short runs) becomes one
    INSERT of its final row instead of an INSERT and an UPDATE.
    """
    merged: list[tuple[bool, dict[str, Any]]] = []
    inserted: dict[int, dict[str, Any]] = {}
    for op in ops:
        params = _params(op)
        if isinstance(op, RunRecord):
            inserted[op.id] = params
            merged.append((True, params))
            continue
        row = inserted.get(op.id)
        if row is None:
            merged.append((False, params))
        else:
            del params["run_id"]
            row.update(params)
    return merged


def _to_record(row: RowMapping) -> RunRecord:
    values = dict(row)
    values.setdefault("traceback", None)
    for name, enum_type in _ENUM_FIELDS.items():
        if values[name] is not None:
            values[name] = enum_type(values[name])
    return RunRecord(**values)
