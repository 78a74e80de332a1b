"""Purge while recording: how long run records wait while half of a seeded history is deleted.

Run as ``python -m benchmarks.purge_workers purge 'JSON arguments'``; prints one JSON line.

One process, as in a scheduler: a recorder thread writes a batch of finished runs through
``RunStore.write`` at a steady rate (the leader's term checked in each transaction, as the
engine's recorder does), first alone for a baseline, then while ``RunStore.purge`` deletes the
older half of the table with the leader's settings (500 rows per transaction, 50 ms apart). Each
write's wait is from when it was due to when it was committed, so a write held up behind a
purge's transaction, and the writes due meanwhile, all count. Afterwards every row written is
looked for.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.stats import percentile
from jobconsole.runs import EndedBy, HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import RunStore, open_store
from jobconsole.store.leadership import LeaseHolder
from jobconsole.store.retention import PURGE_BATCH_ROWS, PURGE_PAUSE_SECONDS, PurgeRule

WRITER_JOB = "bench-recorder"


class Recorder:
    """Writes ``batch`` finished runs every ``every`` seconds, from ``first_id`` on, and times each write."""

    def __init__(self, store: RunStore, first_id: int, batch: int, every: float) -> None:
        self._store = store
        self._next_id = first_id
        self._batch = batch
        self._every = every
        self.waits_ms: list[float] = []
        self.written: list[int] = []
        self.errors: list[str] = []

    def run_for(self, stop: threading.Event) -> None:
        due = time.monotonic()
        while not stop.is_set():
            now = datetime.now(UTC)
            records = [
                RunRecord(
                    id=self._next_id + k, job_name=WRITER_JOB, triggered_by=TriggeredBy.MANUAL,
                    status=RunStatus.SUCCEEDED, run_mode=RunMode.THREAD, scheduled_for=None, started_at=now,
                    finished_at=now, success=True, duration_ms=1, ended_by=EndedBy.RETURNED, host="bench", pid=1,
                )
                for k in range(self._batch)
            ]
            try:
                self._store.write(records)
            except Exception as error:  # noqa: BLE001 - counted and reported: a lost record is the failure
                self.errors.append(f"{type(error).__name__}: {error}".splitlines()[0])
            else:
                self.written.extend(record.id for record in records)
            self.waits_ms.append((time.monotonic() - due) * 1000)
            self._next_id += self._batch
            due += self._every
            pause = due - time.monotonic()
            if pause > 0:
                stop.wait(pause)
            else:
                due = time.monotonic()  # behind: the next write is due now, not in a burst to catch up


def _figures(waits_ms: list[float]) -> dict[str, float]:
    return {
        "writes": len(waits_ms),
        "p50_ms": percentile(waits_ms, 0.5),
        "p99_ms": percentile(waits_ms, 0.99),
        "max_ms": max(waits_ms, default=float("nan")),
        "over_100ms": sum(1 for wait in waits_ms if wait > 100),
    }


def purge(args: dict[str, Any]) -> dict[str, Any]:
    rows, batch, every, baseline_s = int(args["rows"]), int(args["batch"]), float(args["every_s"]), float(args["baseline_s"])
    store = open_store(args["url"])
    try:
        term = store.leadership("benchmark leader").try_take()
        assert not isinstance(term, LeaseHolder), f"the database is led by {term.holder}"
        store.term = term
        highest = store.max_run_id()
        middle = store.get_run(rows // 2 + 1)
        assert middle is not None, "the seeded table is not the one expected"
        rule = PurgeRule(older_than=middle.started_at)

        baseline = Recorder(store, highest + 1, batch, every)
        stop = threading.Event()
        thread = threading.Thread(target=baseline.run_for, args=(stop,))
        thread.start()
        time.sleep(baseline_s)
        stop.set()
        thread.join()

        during = Recorder(store, highest + 1_000_000, batch, every)
        stop = threading.Event()
        thread = threading.Thread(target=during.run_for, args=(stop,))
        thread.start()
        time.sleep(0.5)  # the recorder is under way first
        began = time.monotonic()
        report = store.purge(
            rule, batch_size=PURGE_BATCH_ROWS,
            between_batches=lambda: (time.sleep(PURGE_PAUSE_SECONDS), True)[1],
        )
        purge_s = time.monotonic() - began
        time.sleep(0.5)
        stop.set()
        thread.join()

        written = baseline.written + during.written
        found = _count_found(store, written)
        return {
            "rows": rows,
            "deleted": report.total,
            "purge_s": purge_s,
            "batches": report.batches,
            "rows_per_s": report.total / purge_s if purge_s else None,
            "baseline": _figures(baseline.waits_ms),
            "during": _figures(during.waits_ms),
            "runs_per_s": batch / every,
            "written": len(written),
            "found": found,
            "errors": (baseline.errors + during.errors)[:5],
            # The older half is gone, the newer half kept (the cutoff is row rows/2 + 1's start).
            "halves_right": store.get_run(1) is None and store.get_run(rows // 2 + 1) is not None,
        }
    finally:
        store.close()


def _count_found(store: RunStore, ids: list[int]) -> int:
    """How many of the rows written are in the table."""
    page = store.history(HistoryQuery(job_name=WRITER_JOB, limit=len(ids) + 10))
    return len({row.id for row in page.rows} & set(ids))


KINDS = {"purge": purge}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in KINDS:
        print(f"usage: python -m benchmarks.purge_workers {{{','.join(KINDS)}}} 'JSON arguments'", file=sys.stderr)
        return 2
    print(json.dumps(KINDS[argv[0]](json.loads(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
