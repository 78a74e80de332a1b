"""The alert policy's state in ``jobconsole_alert_state``: its upsert, written in the leader's batches of run
rows (so the same term check fences it), and the reads a new leader starts from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, select

from jobconsole.alert_state import AlertState
from jobconsole.runs import RunStatus
from jobconsole.store.columns import postgres_timestamp, sqlite_timestamp
from jobconsole.store.models import alert_state_table, runs_table

_MARKERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_FIELDS = ("job_name", "failing_since", "failed_count", "last_notified_at", "watched_since", "overdue_notified_at")
_TIMES = (1, 3, 4, 5)
"""Positions of the timestamps in :data:`_FIELDS`."""


class AlertStateWriter:
    """The statement that stores a batch of AlertStates on one dialect (an insert, or an update of the job's row)."""

    def __init__(self, dialect: Dialect) -> None:
        marker = _MARKERS[str(dialect.paramstyle)]
        quote = dialect.identifier_preparer
        table = quote.format_table(alert_state_table)
        columns = [quote.format_column(alert_state_table.c[name]) for name in (*_FIELDS, "leader_epoch")]
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns[1:])
        # ON CONFLICT ... DO UPDATE: PostgreSQL 9.5+ and SQLite 3.24+ alike.
        self.sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))}) "
            f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
        )
        self._time = sqlite_timestamp if dialect.name == "sqlite" else postgres_timestamp

    def rows(self, states: Sequence[AlertState], epoch: int | None) -> list[tuple[Any, ...]]:
        """One parameter row per job, its last state in the batch winning (a naive timestamp: ValueError)."""
        last = {state.job_name: state for state in states}
        rows = []
        for state in last.values():
            values: list[Any] = [getattr(state, name) for name in _FIELDS]
            for index in _TIMES:
                if values[index] is not None:
                    values[index] = self._time(values[index])
            rows.append((*values, epoch))
        return rows


def read_alert_states(connection: Connection) -> dict[str, AlertState]:
    """Every job's stored state, by job name."""
    table = alert_state_table.c
    rows = connection.execute(select(*(table[name] for name in _FIELDS)))
    return {row[0]: AlertState(*row) for row in rows}


def read_last_successes(connection: Connection, job_names: Sequence[str]) -> dict[str, datetime]:
    """When each job's latest successful run ended; jobs that never succeeded are left out.

    Walks the job's rows newest first on the (job_name, id) index, so a job that
    succeeds now and then costs a few rows.
    """
    table = runs_table.c
    statement = (
        select(table.finished_at)
        .where(table.job_name == bindparam("job_name"), table.status == RunStatus.SUCCEEDED.value)
        .order_by(table.id.desc())
        .limit(1)
    )
    found: dict[str, datetime] = {}
    for name in job_names:
        finished = connection.execute(statement, {"job_name": name}).scalar()
        if finished is not None:
            found[name] = finished
    return found
