"""The console's queries use the indexes: no full scan, no sort of the whole table.

Timings would be flaky on a shared machine, so this asks SQLite how it runs
each statement the store actually sends (EXPLAIN QUERY PLAN).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from jobconsole.runs import HistoryQuery, PageDirection, RunStatus
from jobconsole.store import RunStore, open_store
from tests.store.factories import EPOCH, finished_run

TABLE = "scheduled_job_runs"


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunStore, Path]]:
    path = tmp_path_factory.mktemp("plans") / "jobconsole.db"
    store = open_store(f"sqlite:///{path}")
    outcomes = [RunStatus.SUCCEEDED] * 49 + [RunStatus.FAILED]
    store.write([finished_run(run_id, f"job_{run_id % 20}", outcomes[run_id % 50]) for run_id in range(1, 20_001)])
    yield store, path
    store.close()


def _statements_sent(action: Callable[[], object]) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, _context: object, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return sent


READS: dict[str, Callable[[RunStore], object]] = {
    "newest": lambda store: store.history(HistoryQuery()),
    "oldest": lambda store: store.history(HistoryQuery(direction=PageDirection.OLDEST)),
    "older": lambda store: store.history(HistoryQuery(direction=PageDirection.OLDER, anchor_id=10_000)),
    "newer": lambda store: store.history(HistoryQuery(direction=PageDirection.NEWER, anchor_id=10_000)),
    "job": lambda store: store.history(HistoryQuery(job_name="job_3")),
    "job-older": lambda store: store.history(HistoryQuery(job_name="job_3", direction=PageDirection.OLDER, anchor_id=10_000)),
    "job-oldest": lambda store: store.history(HistoryQuery(job_name="job_3", direction=PageDirection.OLDEST)),
    "failures": lambda store: store.history(HistoryQuery(failures_only=True)),
    "failures-newer": lambda store: store.history(HistoryQuery(failures_only=True, direction=PageDirection.NEWER, anchor_id=10_000)),
    "failures-oldest": lambda store: store.history(HistoryQuery(failures_only=True, direction=PageDirection.OLDEST)),
    "job-failures": lambda store: store.history(HistoryQuery(job_name="job_0", failures_only=True)),
    "one-status": lambda store: store.history(HistoryQuery(statuses=(RunStatus.FAILED,))),
    "one-status-older": lambda store: store.history(HistoryQuery(statuses=(RunStatus.FAILED,), direction=PageDirection.OLDER, anchor_id=10_000)),
    "name-contains": lambda store: store.history(HistoryQuery(job_contains="b_1")),
    "run": lambda store: store.get_run(10_000),
    "recent-statuses": lambda store: store.recent_statuses(["job_1", "job_2"]),
    "job-stats": lambda store: store.job_stats("job_3"),
    "failures-since": lambda store: store.failure_times_since(EPOCH),
    "running": lambda store: store.find_running(),
    "max-id": lambda store: store.max_run_id(),
}


@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_read_uses_an_index_and_never_sorts(big_store: tuple[RunStore, Path], read: Callable[[RunStore], object]) -> None:
    store, path = big_store
    statements = _statements_sent(lambda: read(store))
    assert statements, "the read sent no SQL"

    raw = sqlite3.connect(path)
    try:
        for statement, parameters in statements:
            plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            assert not [step for step in plan if "TEMP B-TREE" in step], f"sorts in memory: {plan}\n{statement}"
            scans = [step for step in plan if step.startswith(f"SCAN {TABLE}")]
            substring = "LIKE" in statement
            if re.search(r"\bWHERE\b", statement) and not substring:
                assert not scans, f"filters by scanning the table: {plan}\n{statement}"
            elif scans:
                # Unfiltered pages, and pages by a part of the job name (no index can find a
                # substring), walk the table in id order: they stop at LIMIT.
                assert re.search(r"\bLIMIT\b", statement), f"reads the whole table: {plan}\n{statement}"
    finally:
        raw.close()
