"""kill -9 in the moment between a run's start (or end) and its row: the start journal keeps the record.

The recorder writes rows some tens of milliseconds after the fact; a scheduler killed in between used
to leave runs with no row at all (their ids then reused) and runs that succeeded recorded ``abandoned``.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

from jobconsole.runs import HistoryQuery, RunStatus
from jobconsole.store import open_store
from tests.cli.support import Server

_RUN = re.compile(r"run=(\d+)")


def test_kill_9_just_after_runs_start_or_end_leaves_each_its_true_row(database_url: str, tmp_path: Path) -> None:
    env = {"JOBCONSOLE_TEST_TICKS": str(tmp_path / "ticks")}
    started: list[int] = []
    succeeded: list[int] = []
    for attempt in range(6):
        server = Server("--jobs", "tests.cli.jobs_tick", "--db", database_url, env=env)
        # Kill at once after the log says a run started, or (every other time) that one succeeded.
        server.wait_for_lines("run started" if attempt % 2 == 0 else "status=succeeded", timeout=30)
        server.process.send_signal(signal.SIGKILL)
        server.finish()
        started += [int(_RUN.search(line).group(1)) for line in server.lines if "run started" in line]
        succeeded += [int(_RUN.search(line).group(1)) for line in server.lines if "status=succeeded" in line]
    # The next start replays the last killed scheduler's journal (each start replays the one before).
    last = Server("--jobs", "tests.cli.jobs_tick", "--db", database_url, env=env)
    last.wait_for_lines("scheduler started")
    last.process.send_signal(signal.SIGTERM)
    assert last.finish() == 0
    store = open_store(database_url)
    try:
        rows = {row.id: row for row in store.history(HistoryQuery(limit=1000)).rows}
    finally:
        store.close()
    assert len(set(started)) == len(started), "a run id was given twice"
    missing = [run_id for run_id in started if run_id not in rows]
    assert not missing, f"runs that started have no row: {missing}"
    assert all(rows[run_id].status.is_final for run_id in started)
    assert [rows[run_id].status for run_id in succeeded] == [RunStatus.SUCCEEDED] * len(succeeded)
    # Every body that ran has its row.
    bodies = len((tmp_path / "ticks").read_text().splitlines())
    ran = [row for row in rows.values() if row.status not in (RunStatus.SKIPPED, RunStatus.MISSED)]
    assert bodies <= len(ran)
