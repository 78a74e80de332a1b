"""History at scale: seed a database, and time the history queries on it.

Run as ``python -m benchmarks.history_workers KIND 'JSON arguments'``; prints one JSON line.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import statistics
import sys
import time
from typing import Any

from benchmarks.seed import FILTER_JOB, seed
from jobconsole.runs import HistoryQuery, PageDirection, RunStatus
from jobconsole.store import open_store

PAGE = 50  # the console's page (jobconsole.console.history.PAGE_SIZE)
"""Rows per page: what the console asks for."""


def seed_database(args: dict[str, Any]) -> dict[str, Any]:
    store = open_store(args["url"])
    try:
        seconds = seed(store, int(args["rows"]))
    finally:
        store.close()
    if store.dialect == "postgresql":
        _analyze(args["url"])
    return {"rows": int(args["rows"]), "seconds": seconds}


class _CsvStream:
    """A file-like object that psycopg2's COPY reads: CSV lines made on demand from SQLite rows."""

    def __init__(self, rows: Any) -> None:
        self._rows = rows
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._pending = ""

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._pending) < size:
            chunk = self._rows.fetchmany(5000)
            if not chunk:
                break
            self._buffer.seek(0)
            self._buffer.truncate()
            self._writer.writerows(chunk)
            self._pending += self._buffer.getvalue()
        if size < 0:
            out, self._pending = self._pending, ""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out

    readline = read


def copy_database(args: dict[str, Any]) -> dict[str, Any]:
    """Copy a seeded SQLite history into PostgreSQL with COPY (RunStore.write takes minutes for a million rows).

    The table and its indexes are jobconsole's own (``open_store`` creates them); only the
    rows arrive by COPY. SQLite keeps timestamps as naive UTC text, so the session is in UTC.
    """
    began = time.perf_counter()
    open_store(args["url"]).close()
    source = sqlite3.connect(args["sqlite_path"])
    columns = [row[1] for row in source.execute("PRAGMA table_info(scheduled_job_runs)")]
    rows = source.execute(f"SELECT {', '.join(columns)} FROM scheduled_job_runs ORDER BY id")
    from sqlalchemy import create_engine

    engine = create_engine(args["url"])
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.copy_expert(
                f"COPY scheduled_job_runs ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", _CsvStream(rows)
            )
            connection.commit()
        finally:
            connection.close()
    finally:
        engine.dispose()
        source.close()
    _analyze(args["url"])
    return {"seconds": time.perf_counter() - began}


def _analyze(url: str) -> None:
    """What autovacuum would have done to a table this size in service: fresh planner statistics."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE scheduled_job_runs"))
    finally:
        engine.dispose()


def queries(args: dict[str, Any]) -> dict[str, Any]:
    """Per query: the median of ``samples`` timed calls of RunStore.history, in each of ``repeats`` rounds."""
    samples, repeats = int(args["samples"]), int(args["repeats"])
    store = open_store(args["url"])
    try:
        newest = store.history(HistoryQuery(limit=PAGE))
        anchor = newest.rows[-1].id
        kinds = {
            "newest": HistoryQuery(limit=PAGE),
            "older": HistoryQuery(limit=PAGE, direction=PageDirection.OLDER, anchor_id=anchor),
            "job": HistoryQuery(limit=PAGE, job_name=FILTER_JOB),
            "failures": HistoryQuery(limit=PAGE, failures_only=True),
            "status": HistoryQuery(limit=PAGE, statuses=(RunStatus.SKIPPED,)),
            "name_part": HistoryQuery(limit=PAGE, job_contains=FILTER_JOB[-5:].upper()),
            "name_part_none": HistoryQuery(limit=PAGE, job_contains="no such job"),
            "last": HistoryQuery(limit=PAGE, direction=PageDirection.OLDEST),
        }
        for query in kinds.values():
            store.history(query)  # connections and statement caches warm, as in a running console
        result: dict[str, Any] = {}
        for name, query in kinds.items():
            medians = []
            for _ in range(repeats):
                times = []
                for _ in range(samples):
                    began = time.perf_counter()
                    page = store.history(query)
                    times.append(time.perf_counter() - began)
                medians.append(statistics.median(times) * 1000)
            result[name] = {"median_ms_per_repeat": medians, "rows": len(page.rows)}
    finally:
        store.close()
    return result


def matching(args: dict[str, Any]) -> dict[str, Any]:
    """Per console filter: how many runs it matches, and the newest ``limit`` of their ids, newest first.

    Plain SQL, not jobconsole's query: what the console should show under the filter, to check it
    against (``job_part``: the job name contains it, in any case; ``status``: one status).
    """
    from sqlalchemy import create_engine, text

    limit = int(args["limit"])
    engine = create_engine(args["url"])
    result: dict[str, Any] = {}
    try:
        with engine.connect() as connection:
            for name, wanted in args["filters"].items():
                where: list[str] = ["1 = 1"]
                values: dict[str, Any] = {}
                if wanted.get("job_part"):
                    where.append("lower(job_name) LIKE :pattern")
                    values["pattern"] = f"%{wanted['job_part'].lower()}%"
                if wanted.get("status"):
                    where.append("status = :status")
                    values["status"] = wanted["status"]
                condition = " AND ".join(where)
                ids = connection.execute(
                    text(f"SELECT id FROM scheduled_job_runs WHERE {condition} ORDER BY id DESC LIMIT :limit"),
                    {**values, "limit": limit},
                ).scalars().all()
                count = connection.execute(text(f"SELECT count(*) FROM scheduled_job_runs WHERE {condition}"), values)
                result[name] = {"ids": list(ids), "count": count.scalar_one()}
    finally:
        engine.dispose()
    return result


KINDS = {"seed": seed_database, "copy": copy_database, "queries": queries, "matching": matching}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in KINDS:
        print(f"usage: python -m benchmarks.history_workers {{{','.join(KINDS)}}} 'JSON arguments'", file=sys.stderr)
        return 2
    print(json.dumps(KINDS[argv[0]](json.loads(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
