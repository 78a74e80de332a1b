"""The SQL that :meth:`RunStore.write` sends: ops merged and turned into plain driver rows.

A run's RunRecord and a later RunUpdate in the same batch fold into one INSERT
of its final row; consecutive inserts, and consecutive updates, go in one
statement each, in order. Rows are tuples handed to the driver as they are
(SQLite's executemany), or COPY text (PostgreSQL's inserts, see
:mod:`jobconsole.store.pgcopy`), which is several times cheaper per row than
SQLAlchemy's parameter processing.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Dialect

from jobconsole.alert_state import AlertState
from jobconsole.runs import RunRecord, RunUpdate
from jobconsole.store.alerts import AlertStateWriter
from jobconsole.store.columns import (
    RECORD_FIELDS,
    UPDATE_FIELDS,
    UPDATE_POSITIONS,
    Row,
    RowBinder,
    record_values,
    update_values,
)
from jobconsole.store.models import runs_table
from jobconsole.store.pgcopy import copy_data, copy_sql

_EPOCH = RECORD_FIELDS.index("leader_epoch")
_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class Statement(NamedTuple):
    sql: str
    parameters: tuple[Any, ...] | list[tuple[Any, ...]]
    """One row's parameters, or a list of rows for the driver's executemany."""


class RunWriter:
    """Builds the statements that apply a batch of RunRecords and RunUpdates on one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        marker = _MARKERS.get(str(dialect.paramstyle))
        if marker is None:
            raise ValueError(f"RunStore cannot write through a driver with paramstyle {dialect.paramstyle!r}")
        quote = dialect.identifier_preparer
        table = quote.format_table(runs_table)
        columns = ", ".join(quote.format_column(runs_table.c[name]) for name in RECORD_FIELDS)
        assignments = ", ".join(f"{quote.format_column(runs_table.c[name])} = {marker}" for name in UPDATE_FIELDS)
        self._insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join([marker] * len(RECORD_FIELDS))})"
        self._update_sql = f"UPDATE {table} SET {assignments} WHERE {quote.format_column(runs_table.c.id)} = {marker}"
        self._bind_insert = RowBinder(dialect.name, RECORD_FIELDS)
        self._bind_update = RowBinder(dialect.name, (*UPDATE_FIELDS, "id"))
        self.copies = dialect.name == "postgresql"
        """Whether inserts go as COPY (PostgreSQL): the engine must be set up with ``send_copies_through``."""
        self._copy_sql = copy_sql(dialect)
        self._alerts = AlertStateWriter(dialect)

    def statements(self, ops: Sequence[RunRecord | RunUpdate | AlertState], epoch: int | None = None) -> list[Statement]:
        """The statements to run in order, in one transaction; new rows carry ``epoch`` (the leader's term).

        AlertStates are stored after the runs' rows, each job's last one in the batch.
        Raises TypeError for an op of another type and ValueError for a naive
        timestamp, before anything is sent.
        """
        result: list[Statement] = []
        alerts: list[AlertState] = []
        for is_insert, group in itertools.groupby(_merged_rows(ops, epoch, alerts), key=lambda item: item[0]):
            if is_insert:
                result.append(self._insert([row for _, row in group]))
            else:
                result.append(Statement(self._update_sql, [self._bind_update(row) for _, row in group]))
        if alerts:
            result.append(Statement(self._alerts.sql, self._alerts.rows(alerts, epoch)))
        return result

    def _insert(self, rows: list[Row]) -> Statement:
        if self.copies:
            return Statement(self._copy_sql, (copy_data(rows),))
        return Statement(self._insert_sql, [self._bind_insert(row) for row in rows])


def _merged_rows(
    ops: Sequence[RunRecord | RunUpdate | AlertState], epoch: int | None, alerts: list[AlertState]
) -> list[tuple[bool, Row]]:
    """(is_insert, row) for each run op, in order, with an update folded into its row's insert in the same
    batch; AlertStates go to ``alerts``.

    A run that starts and ends between two writes (most short runs) becomes one
    INSERT of its final row instead of an INSERT and an UPDATE. Update rows end
    with the run id, the UPDATE's WHERE parameter.
    """
    merged: list[tuple[bool, Row]] = []
    inserted: dict[int, Row] = {}
    for op in ops:
        if isinstance(op, RunRecord):
            row = list(record_values(op))
            if epoch is not None:
                row[_EPOCH] = epoch
            inserted[op.id] = row
            merged.append((True, row))
        elif isinstance(op, RunUpdate):
            values = update_values(op)
            row = inserted.get(op.id)
            if row is None:
                merged.append((False, [*values, op.id]))
            else:
                for position, value in zip(UPDATE_POSITIONS, values):
                    row[position] = value
        elif isinstance(op, AlertState):
            alerts.append(op)
        else:
            raise TypeError(f"RunStore.write() takes RunRecord, RunUpdate and AlertState values, not {type(op).__name__}")
    return merged
