"""9. Purge while recording: half of a seeded history deleted while runs are recorded (SQLite and PostgreSQL)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.parts import PartResult
from benchmarks.parts.history import _seed, databases
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import MeasurementError, run_worker
from benchmarks.settings import Settings
from benchmarks.stats import Summary

WORKERS = "benchmarks.purge_workers"
LIMIT_MS = 100.0


def run(settings: Settings) -> PartResult:
    rows = settings.purge_rows
    result = PartResult()
    table = Table(f"9. Purge while recording — half of {rows:,} rows deleted while runs are recorded")
    # The history part's seeding and databases, at this part's size and backends.
    sized = replace(settings, history_rows=rows, history_backends=settings.purge_backends)
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp, databases(sized, Path(tmp)) as urls:
        seeded = _seed(sized, urls, Path(tmp))
        result.raw["seed"] = {name: _error_text(outcome) for name, outcome in seeded.items()}
        for name, url in urls.items():
            failure = url if isinstance(url, Exception) else seeded.get(name)
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[name]
            if isinstance(failure, Exception):
                table.add(f"{label}: purge", jobconsole=f"error: {failure}".splitlines()[0])
                continue
            assert isinstance(url, str)
            try:
                measured: dict[str, Any] | Exception = run_worker(
                    WORKERS, "purge",
                    {"url": url, "rows": rows, "batch": settings.purge_record_batch,
                     "every_s": settings.purge_record_every, "baseline_s": settings.purge_baseline_seconds},
                    timeout=3600,
                )
            except MeasurementError as error:
                measured = error
            result.raw[name] = _error_text(measured)
            _add_rows(table, label, measured)
    table.notes.append(
        f"One process, as in a scheduler: a thread records {settings.purge_record_batch} finished runs every "
        f"{settings.purge_record_every * 1000:.0f} ms through RunStore.write under a leader's term (the engine's "
        "recorder writes this way), alone for a baseline, then while RunStore.purge deletes the older half of the "
        "table with the leader's settings (500 rows per transaction, 50 ms between two). A write's wait is from "
        "when it was due to when it was committed, so a write held up by a purge's transaction, and those due "
        "meanwhile, count in full. One purge per backend (it uses the seeded table up); the table is the history "
        "part's (benchmarks/seed.py), copied into PostgreSQL."
    )
    result.tables.append(table)
    return result


def _add_rows(table: Table, label: str, measured: dict[str, Any] | Exception) -> None:
    if isinstance(measured, Exception):
        table.add(f"{label}: purge", jobconsole=f"error: {measured}".splitlines()[0])
        return

    def one(value: float) -> Summary | None:
        return Summary.of([value])

    during, baseline = measured["during"], measured["baseline"]
    table.add(f"{label}: rows deleted (of {measured['rows']:,}), in (s)",
              jobconsole=f"{measured['deleted']:,} in {measured['purge_s']:.1f} s "
                         f"({measured['rows_per_s']:,.0f} rows/s, {measured['batches']:,} transactions)")
    table.add(f"{label}: record write wait while purging, worst (ms)", f"< {LIMIT_MS:.0f} ms",
              during["max_ms"] < LIMIT_MS, jobconsole=one(during["max_ms"]))
    table.add(f"{label}: record write wait while purging, p99 / p50 (ms)",
              jobconsole=f"{during['p99_ms']:.1f} / {during['p50_ms']:.1f} ({during['writes']:,} writes)")
    table.add(f"{label}: record write wait, no purge: worst, p99 / p50 (ms)",
              jobconsole=f"{baseline['max_ms']:.1f}, {baseline['p99_ms']:.1f} / {baseline['p50_ms']:.1f} "
                         f"({baseline['writes']:,} writes)")
    lost = measured["written"] - measured["found"]
    table.add(f"{label}: runs recorded meanwhile / lost", "0 lost", lost == 0 and not measured["errors"],
              jobconsole=f"{measured['written']:,} / {lost}" + (f" ({measured['errors'][0]})" if measured["errors"] else ""))
