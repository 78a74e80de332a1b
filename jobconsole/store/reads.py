"""The reads that build RunRecords, compiled once per store and read back by column position.

A history page is the console's hottest query. Each shape of it (direction,
job filter, failures only) is compiled to the driver's SQL the first time it
is asked for and reused; rows come back as plain tuples and become RunRecords
through a :class:`~jobconsole.store.columns.RecordReader`, without
SQLAlchemy's per-row result processing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Dialect, Select, bindparam, func, literal_column, select
from sqlalchemy.sql import false

from jobconsole.runs import HistoryPage, HistoryQuery, PageDirection, RunRecord, RunStatus
from jobconsole.store.columns import RECORD_FIELDS, RecordReader, postgres_timestamp, sqlite_timestamp
from jobconsole.store.models import runs_table

_ID = runs_table.c.id
_COLUMNS = [runs_table.c[name] for name in RECORD_FIELDS]
# A history page leaves the traceback and the output out: they can be many kilobytes
# a row, and only the run detail shows them.
_PAGE_COLUMNS = [column for column in _COLUMNS if column.name not in ("traceback", "output")]
_MORE_OTHER_WAY = "more_other_way"
NOT_RUNS = (RunStatus.SKIPPED, RunStatus.MISSED)
"""Rows that stand for occurrences no run was made of."""


class CompiledRead(NamedTuple):
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in the order of a positional driver's markers; None for named parameters."""
    constants: dict[str, Any]
    """Parameters the statement fixes itself (SQLite's ``OFFSET 0`` after a bound LIMIT)."""

    @classmethod
    def of(cls, statement: Select[Any], dialect: Dialect) -> CompiledRead:
        compiled = statement.compile(dialect=dialect)
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        return cls(str(compiled), positions, constants)

    def run(self, connection: Connection, values: Mapping[str, Any]) -> list[Any]:
        given = {**self.constants, **values} if self.constants else values
        parameters = given if self.positions is None else tuple(given[name] for name in self.positions)
        return list(connection.exec_driver_sql(self.sql, parameters).all())


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escaped with LIKE_ESCAPE) matching names that contain ``text``, compared in lower case."""
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


class _HistoryShape(NamedTuple):
    page: CompiledRead
    probe: CompiledRead | None
    """Whether rows lie on the other side of the anchor, for a page that came back empty."""


class RecordReads:
    """The record reads of one store: one run, running runs, history pages."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._full_record = RecordReader(dialect.name, [column.name for column in _COLUMNS])
        self._page_record = RecordReader(dialect.name, [column.name for column in _PAGE_COLUMNS])
        self._get_run = CompiledRead.of(select(*_COLUMNS).where(_ID == bindparam("run_id")), dialect)
        running = select(*_COLUMNS).where(runs_table.c.status == RunStatus.RUNNING.value).order_by(_ID)
        self._running = CompiledRead.of(running, dialect)
        last_attempt = (
            select(*_COLUMNS)
            .where(
                runs_table.c.job_name == bindparam("job_name"),
                # The statuses written into the SQL, as the history's status filter does (compiled once).
                runs_table.c.status.not_in([literal_column(f"'{status.value}'") for status in NOT_RUNS]),
            )
            .order_by(_ID.desc())
            .limit(1)
        )
        self._last_attempt = CompiledRead.of(last_attempt, dialect)
        self._history: dict[tuple[PageDirection, bool, bool, bool, tuple[RunStatus, ...], bool], _HistoryShape] = {}
        self._to_driver_time = sqlite_timestamp if dialect.name == "sqlite" else postgres_timestamp

    def get_run(self, connection: Connection, run_id: int) -> RunRecord | None:
        rows = self._get_run.run(connection, {"run_id": run_id})
        return self._full_record(rows[0]) if rows else None

    def last_attempt(self, connection: Connection, job_name: str) -> RunRecord | None:
        """The job's newest row that is a run (skipped and missed occurrences are not), in full."""
        rows = self._last_attempt.run(connection, {"job_name": job_name})
        return self._full_record(rows[0]) if rows else None

    def running(self, connection: Connection) -> list[RunRecord]:
        return [self._full_record(row) for row in self._running.run(connection, {})]

    def history(self, connection: Connection, query: HistoryQuery) -> HistoryPage:
        """One page by keyset on the id; see :meth:`RunStore.history`. ``query`` must be valid."""
        direction = query.direction
        statuses = tuple(sorted(set(query.statuses), key=lambda status: status.value))
        key = (
            direction,
            query.job_name is not None,
            query.job_contains is not None,
            query.failures_only,
            statuses,
            query.since is not None,
        )
        shape = self._history.get(key)
        if shape is None:
            shape = self._history[key] = self._compile_history(*key)
        values = {"limit": query.limit + 1, "anchor": query.anchor_id, "job_name": query.job_name}
        if query.job_contains is not None:
            values["job_pattern"] = contains_pattern(query.job_contains)
        if query.since is not None:
            values["since"] = self._to_driver_time(query.since)
        rows = shape.page.run(connection, values)
        more_this_way = len(rows) > query.limit
        more_other_way = False
        if shape.probe is not None:
            # The page rows carry the probe's answer in their last column; an empty page needs asking.
            more_other_way = bool(rows[0][-1]) if rows else bool(shape.probe.run(connection, values)[0][0])
            rows = [row[:-1] for row in rows]
        read = self._page_record
        records = [read(row) for row in rows[: query.limit]]
        if direction in (PageDirection.NEWEST, PageDirection.OLDER):
            return HistoryPage(rows=tuple(records), has_older=more_this_way, has_newer=more_other_way)
        records.reverse()
        return HistoryPage(rows=tuple(records), has_older=more_other_way, has_newer=more_this_way)

    def _compile_history(
        self,
        direction: PageDirection,
        by_job: bool,
        job_contains: bool,
        failures_only: bool,
        statuses: tuple[RunStatus, ...],
        since: bool,
    ) -> _HistoryShape:
        filters: list[ColumnElement[bool]] = []
        if by_job:
            filters.append(runs_table.c.job_name == bindparam("job_name"))
        if job_contains:
            # No index helps a substring: the page walks the id index and stops at its LIMIT.
            filters.append(func.lower(runs_table.c.job_name).like(bindparam("job_pattern"), escape=LIKE_ESCAPE))
        if statuses:
            # The statuses are the enum's own values, written into the SQL (one compiled shape per set).
            filters.append(runs_table.c.status.in_([literal_column(f"'{status.value}'") for status in statuses]))
        if since:
            filters.append(runs_table.c.started_at >= bindparam("since"))
        if failures_only:
            # "= false" rather than "IS FALSE": only the former can use the (success, id) index.
            filters.append(runs_table.c.success == false())
        anchor = bindparam("anchor")
        page_bound: list[ColumnElement[bool]] = []
        other_side: ColumnElement[bool] | None = None
        if direction is PageDirection.OLDER:
            page_bound, other_side = [_ID < anchor], _ID >= anchor
        elif direction is PageDirection.NEWER:
            page_bound, other_side = [_ID > anchor], _ID <= anchor
        descending = direction in (PageDirection.NEWEST, PageDirection.OLDER)
        columns: list[Any] = list(_PAGE_COLUMNS)
        probe = None
        if other_side is not None:
            # The page query reads limit + 1 rows in its own direction to learn whether more
            # follow; whether any lie the other way is one EXISTS on an index, in the same query.
            # correlate(None): the EXISTS reads the table afresh, not the page's current row.
            exists = select(_ID).where(*filters, other_side).correlate(None).exists()
            columns.append(exists.label(_MORE_OTHER_WAY))
            probe = CompiledRead.of(select(exists), self._dialect)
        page = (
            select(*columns)
            .where(*filters, *page_bound)
            .order_by(_ID.desc() if descending else _ID.asc())
            .limit(bindparam("limit"))
        )
        return _HistoryShape(CompiledRead.of(page, self._dialect), probe)
