"""The seeded scheduler pages its history exactly as the real store does, so console tests on it mean something."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobconsole.runs import HistoryQuery, PageDirection
from jobconsole.store import RunStore, open_store

from .seeded import SeededScheduler


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SeededScheduler, RunStore]]:
    seeded = SeededScheduler(history_size=120)
    store = open_store(f"sqlite:///{Path(tmp_path_factory.mktemp('seeded')) / 'runs.db'}")
    store.write(sorted(seeded.records.values(), key=lambda record: record.id))
    yield seeded, store
    store.close()


QUERIES = [
    HistoryQuery(limit=25),
    HistoryQuery(limit=25, direction=PageDirection.OLDEST),
    HistoryQuery(limit=25, direction=PageDirection.OLDER, anchor_id=60),
    HistoryQuery(limit=25, direction=PageDirection.NEWER, anchor_id=60),
    HistoryQuery(limit=25, direction=PageDirection.OLDER, anchor_id=3),
    HistoryQuery(limit=25, direction=PageDirection.NEWER, anchor_id=120),
    HistoryQuery(limit=10, failures_only=True),
    HistoryQuery(limit=10, direction=PageDirection.OLDER, anchor_id=80, failures_only=True),
    HistoryQuery(limit=10, job_name="flaky_report"),
    HistoryQuery(
        limit=5, direction=PageDirection.NEWER, anchor_id=40, job_name="import_vendor_feed", failures_only=True
    ),
    HistoryQuery(limit=10, job_name="no_such_job"),
]


@pytest.mark.parametrize(
    "query",
    QUERIES,
    ids=lambda query: f"{query.direction.value}-{query.anchor_id}-{query.job_name}-{query.failures_only}",
)
def test_pages_match_the_store(both: tuple[SeededScheduler, RunStore], query: HistoryQuery) -> None:
    seeded, store = both
    expected = store.history(query)
    actual = seeded.history(query)
    assert [row.id for row in actual.rows] == [row.id for row in expected.rows]
    assert (actual.has_older, actual.has_newer) == (expected.has_older, expected.has_newer)
