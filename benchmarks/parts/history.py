"""5. History at scale: queries on a million rows (SQLite and PostgreSQL), and the console opened on them."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from benchmarks.console_session import (
    console,
    focus_history,
    page_down,
    terminal_round_trip,
    wait_for_history,
)
from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import MeasurementError, run_all, run_worker
from benchmarks.settings import Settings
from benchmarks.stats import Summary

WORKERS = "benchmarks.history_workers"
JOBS_MODULE = "benchmarks.job_modules.history_jobs"
QUERY_LABELS = {
    "newest": "newest page",
    "older": "next older page (keyset)",
    "job": "page filtered by job (1 % of rows)",
    "failures": "failures only (4 % of rows)",
    "status": "one status: skipped (1 % of rows)",
    "name_part": "part of a job name, any case (1 % of rows)",
    "name_part_none": "part of a job name that no job has (walks every row)",
    "last": "last (oldest) page",
}


@contextmanager
def databases(settings: Settings, scratch: Path) -> Iterator[dict[str, str | Exception]]:
    """A URL per backend, or the reason there is none (PostgreSQL binaries missing)."""
    urls: dict[str, str | Exception] = {}
    with ExitStack() as stack:
        if "sqlite" in settings.history_backends:
            urls["sqlite"] = f"sqlite:///{scratch / 'history.db'}"
        if "postgresql" in settings.history_backends:
            try:
                from tests.support.postgres import PostgresServer

                server = PostgresServer()
                stack.callback(server.cleanup)
                server.start()
                urls["postgresql"] = server.create_database("jobconsole_bench")
            except Exception as error:  # noqa: BLE001 - the SQLite half still runs
                urls["postgresql"] = MeasurementError(f"PostgreSQL unavailable: {error}".splitlines()[0])
        yield urls


def run(settings: Settings) -> PartResult:
    rows = settings.history_rows
    result = PartResult()
    table = Table(f"5. History at scale — {rows:,} rows in scheduled_job_runs, {settings.repeats} repeat(s)")
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp, databases(settings, Path(tmp)) as urls:
        seeded = _seed(settings, urls, Path(tmp))
        result.raw["seed"] = {name: _error_text(outcome) for name, outcome in seeded.items()}
        for name, url in urls.items():
            failure = url if isinstance(url, Exception) else seeded.get(name)
            if isinstance(failure, Exception):
                table.add(f"{name}: history", jobconsole=f"error: {failure}".splitlines()[0])
                continue
            assert isinstance(url, str)
            _measure_backend(settings, table, result.raw, name, url, Path(tmp))
    floors = run_all([lambda: terminal_round_trip(settings.page_downs * 3)] * settings.repeats, False)
    result.raw["terminal_round_trip_ms"] = [_error_text(floor) for floor in floors]
    floor_median = Summary.of([statistics.median(f) for f in floors if not isinstance(f, Exception)])
    floor_worst = Summary.of([max(f) for f in floors if not isinstance(f, Exception)])
    if floor_median is not None and floor_worst is not None:
        table.notes.append(
            f"Floor: a program that answers a key the moment it arrives is seen answering {floor_median.median:.1f} ms "
            f"after the key is sent (median; slowest of {settings.page_downs * 3}: {floor_worst.median:.1f} ms), "
            "through this machine's pseudo-terminals and this harness. Every page-down figure includes it."
        )
    table.notes.append(
        "Query times are RunStore.history() calls (50 rows, the console's page size) on a warm connection, "
        "median of "
        f"{settings.query_samples} calls per repeat. Console times come from the real jobconsole command under "
        "a 120x40 pty: launch → the 10 runs after the newest drawn, and page down → the next block of rows fully drawn. "
        "Peak RSS is the console process's VmHWM."
    )
    result.tables.append(table)
    return result


def _seed(settings: Settings, urls: dict[str, str | Exception], scratch: Path) -> dict[str, Any]:
    """Seed SQLite through RunStore.write, then copy its rows into PostgreSQL (not measured)."""
    outcomes: dict[str, Any] = {}
    sqlite_url = urls.get("sqlite")
    source = scratch / "seed-source.db"
    if not isinstance(sqlite_url, str):
        sqlite_url = f"sqlite:///{source}"
    try:
        outcomes["sqlite"] = run_worker(
            WORKERS, "seed", {"url": sqlite_url, "rows": settings.history_rows}, timeout=1800
        )
    except MeasurementError as error:
        return {name: error for name in urls}
    pg_url = urls.get("postgresql")
    if isinstance(pg_url, str):
        path = sqlite_url.removeprefix("sqlite:///")
        try:
            outcomes["postgresql"] = run_worker(WORKERS, "copy", {"url": pg_url, "sqlite_path": path}, timeout=1800)
        except MeasurementError as error:
            outcomes["postgresql"] = error
    return outcomes


def _measure_backend(settings: Settings, table: Table, raw: dict[str, Any], name: str, url: str, scratch: Path) -> None:
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[name]
    try:
        queries = run_worker(
            WORKERS, "queries", {"url": url, "samples": settings.query_samples, "repeats": settings.repeats}
        )
    except MeasurementError as error:
        queries = error
    raw[f"{name}_queries"] = _error_text(queries)
    for kind, text in QUERY_LABELS.items():
        if isinstance(queries, Exception):
            table.add(f"{label}: {text} (ms)", jobconsole=f"error: {queries}".splitlines()[0])
            continue
        figure = Summary.of(queries[kind]["median_ms_per_repeat"])
        if kind == "newest":
            table.add(f"{label}: {text} (ms)", "< 5 ms", figure is not None and figure.median < 5, jobconsole=figure)
        else:
            table.add(f"{label}: {text} (ms)", jobconsole=figure)

    sessions = run_all([lambda: _console_once(settings, url, scratch)] * settings.repeats, False)
    raw[f"{name}_console"] = [_error_text(s) for s in sessions]
    good = [s for s in sessions if not isinstance(s, Exception)]
    error = next((f"error: {s}".splitlines()[0] for s in sessions if isinstance(s, Exception)), None)
    start = Summary.of([s["first_page_s"] for s in good]) or error
    worst_page = Summary.of([max(s["page_down_ms"]) for s in good]) or error
    median_page = Summary.of([statistics.median(s["page_down_ms"]) for s in good]) or error
    rss = Summary.of([s["peak_rss_mb"] for s in good]) or error
    table.add(f"{label}: console start → first history page drawn (s)", "< 1.5 s",
              _below(start, 1.5), jobconsole=start)
    table.add(f"{label}: page down ×{settings.page_downs}, median (ms)", jobconsole=median_page)
    table.add(f"{label}: page down ×{settings.page_downs}, slowest (ms)", "< 50 ms each",
              _below(worst_page, 50), jobconsole=worst_page)
    table.add(f"{label}: console peak RSS (MB)", "< 150 MB", _below(rss, 150), jobconsole=rss)


def _below(value: Summary | str | None, limit: float) -> bool | None:
    return value.high < limit if isinstance(value, Summary) else None


def _console_once(settings: Settings, url: str, scratch: Path) -> dict[str, Any]:
    rows = settings.history_rows
    launched = time.monotonic()
    with console(JOBS_MODULE, url, scratch) as session:
        drawn = wait_for_history(session, rows, min(10, rows), timeout=60)
        first_page = drawn - launched
        time.sleep(settings.settle_seconds)
        focus_history(session)
        time.sleep(settings.settle_seconds / 4)
        pages = []
        for _ in range(settings.page_downs):
            pages.append(page_down(session) * 1000)
            time.sleep(0.2)
        rss = session.peak_rss_kib()
    return {"first_page_s": first_page, "page_down_ms": pages, "peak_rss_mb": (rss or 0) / 1024}
