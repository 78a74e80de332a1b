"""The shell CLI's page of history read through the driver alone gives the rows RunStore gives, and
steps aside (for RunStore, which upgrades first) when it cannot read a database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from jobconsole.runs import EndedBy, HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore, open_store
from jobconsole.store.light import LightReadUnavailable, history

START = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.MISSED)


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    records = []
    for index in range(1, 41):
        status = STATUSES[index % len(STATUSES)]
        started = START + timedelta(minutes=index)
        records.append(
            RunRecord(
                id=index, job_name=("feed", "mail")[index % 2], triggered_by=TriggeredBy.SCHEDULED, status=status,
                run_mode=RunMode.THREAD, scheduled_for=started, started_at=started,
                finished_at=started + timedelta(seconds=3), success=status is RunStatus.SUCCEEDED if status is not
                RunStatus.MISSED else None, error_message=None if status is RunStatus.SUCCEEDED else f"err {index}",
                traceback="Traceback ..." if status is RunStatus.FAILED else None, duration_ms=3000,
                ended_by=EndedBy.RETURNED, missed_count=4 if status is RunStatus.MISSED else None,
            )
        )
    opened.write(records)
    yield opened
    opened.close()


@pytest.mark.parametrize(
    "query",
    [
        HistoryQuery(limit=10),
        HistoryQuery(limit=50, job_name="feed"),
        HistoryQuery(limit=50, statuses=(RunStatus.FAILED, RunStatus.TIMED_OUT)),
        HistoryQuery(limit=5, job_name="mail", since=START + timedelta(minutes=20)),
        HistoryQuery(limit=50, statuses=(RunStatus.MISSED,), since=START + timedelta(minutes=30)),
    ],
    ids=["newest", "job", "statuses", "job-since", "status-since"],
)
def test_the_light_read_gives_the_rows_the_store_gives(store: RunStore, database_url: str, query: HistoryQuery) -> None:
    expected = list(store.history(query).rows)
    assert expected, "the query should find rows"
    assert history(database_url, query) == expected


def test_it_steps_aside_for_what_it_cannot_read(tmp_path) -> None:
    with pytest.raises(LightReadUnavailable):
        history("sqlite://", HistoryQuery())
    with pytest.raises(LightReadUnavailable):
        history(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}", HistoryQuery())
    with pytest.raises(LightReadUnavailable):
        history("mysql://db/jobs", HistoryQuery())
    # A file without the table (a new or foreign database): RunStore creates it, this reader does not.
    empty = tmp_path / "empty.db"
    import sqlite3

    sqlite3.connect(empty).close()
    with pytest.raises(LightReadUnavailable):
        history(f"sqlite:///{empty}", HistoryQuery())
