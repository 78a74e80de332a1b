"""How run values travel to and from the driver: column order, enums as text, timestamps in UTC.

The store reads and writes rows as plain tuples through the driver rather than
through SQLAlchemy's per-row type processing, which costs more than the
database itself for batches of runs and pages of history. The conversions
here must store exactly what the SQLAlchemy types in
:mod:`jobconsole.store.models` store, so that rows written either way read
back alike.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, RunUpdate, TriggeredBy
from jobconsole.store.models import UTCDateTime, as_utc, runs_table

RECORD_FIELDS = tuple(field.name for field in fields(RunRecord))
UPDATE_FIELDS = tuple(field.name for field in fields(RunUpdate) if field.name != "id")
if RECORD_FIELDS != tuple(runs_table.c.keys()) or not set(UPDATE_FIELDS) <= set(RECORD_FIELDS):
    raise RuntimeError("scheduled_job_runs must have one column per RunRecord field, in the same order")

_ENUM_TYPES: dict[str, type[enum.Enum]] = {
    "triggered_by": TriggeredBy,
    "status": RunStatus,
    "run_mode": RunMode,
    "ended_by": EndedBy,
}
_TIMESTAMPS = frozenset(column.name for column in runs_table.c if isinstance(column.type, UTCDateTime))
_BOOLEANS = frozenset(column.name for column in runs_table.c if isinstance(column.type, Boolean))

Row = list[Any]
"""The values of one statement's parameters, in column order, before a :class:`RowBinder` converts them."""

# attrgetter reads all fields in one C call: batches of thousands of records stay fast.
record_values: Callable[[RunRecord], tuple[Any, ...]] = operator.attrgetter(*RECORD_FIELDS)
update_values: Callable[[RunUpdate], tuple[Any, ...]] = operator.attrgetter(*UPDATE_FIELDS)
UPDATE_POSITIONS = tuple(RECORD_FIELDS.index(name) for name in UPDATE_FIELDS)
"""Where each of an update's fields sits in a record row."""


def sqlite_timestamp(value: datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` stores: naive UTC, always with microseconds.

    A naive ``value`` is refused with a ValueError.
    """
    if value.tzinfo is not timezone.utc:
        value = as_utc(value)
    # "YYYY-MM-DD HH:MM:SS.ffffff" without the "+00:00": the cheapest way to that text in CPython.
    return value.isoformat(" ", "microseconds")[:26]


def postgres_timestamp(value: datetime) -> datetime:
    """``value`` in UTC, as SQLAlchemy would send it; a naive one is refused with a ValueError."""
    return value if value.tzinfo is timezone.utc else as_utc(value)


def _sqlite_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _postgres_datetime(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _positions(names: Sequence[str], wanted: Collection[str]) -> tuple[int, ...]:
    return tuple(index for index, name in enumerate(names) if name in wanted)


class RowBinder:
    """Turns rows of run values (columns ``names``) into one dialect's driver parameters."""

    _CACHE_LIMIT = 4096

    def __init__(self, dialect_name: str, names: Sequence[str]) -> None:
        self._to_driver_time = sqlite_timestamp if dialect_name == "sqlite" else postgres_timestamp
        self._enums = _positions(names, _ENUM_TYPES.keys())
        self._times = _positions(names, _TIMESTAMPS)
        self._converted: dict[datetime, Any] = {}
        """Timestamps converted lately: the runs of one batch share their start, due and end times."""

    def __call__(self, row: Row) -> tuple[Any, ...]:
        """Enums as their text, timestamps in UTC (naive ones refused with a ValueError)."""
        for index in self._enums:
            value = row[index]
            # An enum member's value without Enum.value's descriptor call; plain text and None pass.
            row[index] = getattr(value, "_value_", value)
        converted = self._converted
        for index in self._times:
            value = row[index]
            if value is not None:
                driver_value = converted.get(value)
                if driver_value is None or value.tzinfo is None:
                    # A naive value equals no aware one (so hits none), and is refused here.
                    driver_value = self._to_driver_time(value)
                    if len(converted) >= self._CACHE_LIMIT:
                        converted.clear()
                    converted[value] = driver_value
                row[index] = driver_value
        return tuple(row)


class RecordReader:
    """Turns one dialect's result rows (columns ``names``, a subset of RunRecord's fields in its order) into RunRecords."""

    def __init__(self, dialect_name: str, names: Sequence[str]) -> None:
        if [name for name in RECORD_FIELDS if name in names] != list(names):
            raise ValueError(f"RecordReader needs RunRecord fields in RunRecord order, got {list(names)}")
        sqlite = dialect_name == "sqlite"
        self._from_driver_time = _sqlite_datetime if sqlite else _postgres_datetime
        self._enums = tuple((index, _Members(_ENUM_TYPES[name])) for index, name in enumerate(names) if name in _ENUM_TYPES)
        self._times = _positions(names, _TIMESTAMPS)
        # SQLite keeps booleans as 0 and 1; psycopg2 returns bool already.
        self._booleans = _positions(names, _BOOLEANS) if sqlite else ()
        self._missing = tuple(index for index, name in enumerate(RECORD_FIELDS) if name not in names)

    def __call__(self, row: Sequence[Any]) -> RunRecord:
        """The RunRecord of one row; fields not selected (a page's tracebacks) are None."""
        values = list(row)
        for index, members in self._enums:
            value = values[index]
            if value is not None:
                values[index] = members[value]
        from_driver = self._from_driver_time
        for index in self._times:
            value = values[index]
            if value is not None:
                values[index] = from_driver(value)
        for index in self._booleans:
            value = values[index]
            if value is not None:
                values[index] = bool(value)
        for index in self._missing:
            values.insert(index, None)
        return RunRecord(*values)


class _Members(dict[Any, enum.Enum]):
    """An enum's members by value; an unknown value fails as ``EnumType(value)`` would, naming the type."""

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        super().__init__((member.value, member) for member in enum_type)
        self._enum_type = enum_type

    def __missing__(self, value: Any) -> enum.Enum:
        return self._enum_type(value)
