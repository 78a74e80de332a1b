"""5. History at scale: queries on a million rows (SQLite and PostgreSQL), and the console opened on them."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.console_session import (
    EVERY_RUN,
    HistoryView,
    console,
    filter_by_job,
    filter_by_status,
    focus_history,
    history_screen,
    page_downs,
    terminal_round_trip,
    wait_for_history,
)
from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import MeasurementError, run_all, run_worker
from benchmarks.seed import FILTER_JOB
from benchmarks.settings import Settings
from benchmarks.stats import Summary
from benchmarks.terminal import PtySession

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


@dataclass(frozen=True)
class ConsoleFilter:
    """A filter the operator applies in the console's History pane."""

    label: str
    status: str | None = None
    """Pressing f until the title shows this status."""
    job_part: str | None = None
    """Typed after /, then enter."""


JOB_PART = FILTER_JOB[-5:].upper()
"""Part of one job's name, in another case than the name: "B-042" (job-042 only)."""
CONSOLE_FILTERS = {
    "job_part": ConsoleFilter(f"part of a job name, {JOB_PART} (1 % of rows)", job_part=JOB_PART),
    "status": ConsoleFilter("status skipped (1 % of rows)", status="skipped"),
    "both": ConsoleFilter(f"status skipped and {JOB_PART} (0.01 % of rows)", status="skipped", job_part=JOB_PART),
}
MATCHING_LIMIT = 1000
"""Ids fetched per filter to check the console's pages against: more than page downs reach."""


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
    table.notes.append(
        "Filtered: a console of its own per filter, opened as above, then the filter applied as an operator would "
        f"(part of a job name: / then {JOB_PART} then enter; skipped: f until the title says so, each status's "
        "page drawn first; "
        "both: the status, then the name), timed from the key that applied it (enter, the last f) to the "
        "filter's newest runs drawn; then page down. Every row on screen is read (run id, status, job) and must "
        "belong to the filter, in the order plain SQL lists the filter's runs with none left out; page down stops "
        "short when less than a screen of them is left below."
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
    good = _add_console_rows(table, settings, f"{label}: ", "console start → first history page drawn", sessions)
    error = _first_error(sessions)
    rss = Summary.of([s["peak_rss_mb"] for s in good]) or error
    table.add(f"{label}: console peak RSS (MB)", "< 150 MB", _below(rss, 150), jobconsole=rss)
    _measure_filters(settings, table, raw, name, label, url, scratch)


def _measure_filters(
    settings: Settings, table: Table, raw: dict[str, Any], name: str, label: str, url: str, scratch: Path
) -> None:
    """The console again, once per filter: the filter applied, then page down."""
    try:
        wanted = {key: {"job_part": f.job_part, "status": f.status} for key, f in CONSOLE_FILTERS.items()}
        matching = run_worker(WORKERS, "matching", {"url": url, "limit": MATCHING_LIMIT, "filters": wanted})
    except MeasurementError as error:
        raw[f"{name}_filter_matches"] = _error_text(error)
        for key, wanted_filter in CONSOLE_FILTERS.items():
            table.add(f"{label}, filtered by {wanted_filter.label}", jobconsole=f"error: {error}".splitlines()[0])
        return
    raw[f"{name}_filter_matches"] = {key: {"rows": found["count"]} for key, found in matching.items()}
    views = {
        key: HistoryView(f.status, f.job_part, tuple(matching[key]["ids"])) for key, f in CONSOLE_FILTERS.items()
    }
    raw[f"{name}_console_filtered"] = {}
    for key, wanted_filter in CONSOLE_FILTERS.items():
        sessions = run_all(
            [lambda key=key: _console_once(settings, url, scratch, views, key)] * settings.repeats, False
        )
        raw[f"{name}_console_filtered"][key] = [_error_text(s) for s in sessions]
        _add_console_rows(
            table, settings, f"{label}, filtered by {wanted_filter.label}: ", "key → first filtered page drawn", sessions,
            first="filtered_page_s",
        )


def _first_error(sessions: list[Any]) -> str | None:
    return next((f"error: {s}".splitlines()[0] for s in sessions if isinstance(s, Exception)), None)


def _add_console_rows(
    table: Table, settings: Settings, prefix: str, first_measure: str, sessions: list[Any], first: str = "first_page_s"
) -> list[dict[str, Any]]:
    """The rows a console session gives: key or launch → first page (target < 1.5 s), page down median and slowest
    (target < 50 ms each); the sessions that did not fail."""
    good = [s for s in sessions if not isinstance(s, Exception)]
    error = _first_error(sessions)
    start = Summary.of([s[first] for s in good]) or error
    table.add(f"{prefix}{first_measure} (s)", "< 1.5 s", _below(start, 1.5), jobconsole=start)
    paged = [s["page_down_ms"] for s in good if s["page_down_ms"]]
    count = max((len(pages) for pages in paged), default=settings.page_downs)
    if good and not paged:
        error = "none: fewer matching runs than two screens"
    median_page = Summary.of([statistics.median(pages) for pages in paged]) or error
    worst_page = Summary.of([max(pages) for pages in paged]) or error
    table.add(f"{prefix}page down ×{count}, median (ms)", jobconsole=median_page)
    table.add(f"{prefix}page down ×{count}, slowest (ms)", "< 50 ms each", _below(worst_page, 50), jobconsole=worst_page)
    return good


def _below(value: Summary | str | None, limit: float) -> bool | None:
    return value.high < limit if isinstance(value, Summary) else None


def _console_once(
    settings: Settings, url: str, scratch: Path, views: dict[str, HistoryView] | None = None, filtered: str | None = None
) -> dict[str, Any]:
    """The console on the history: launch → first page; with ``filtered`` (a key of CONSOLE_FILTERS), that filter
    applied, key → its first page; then page down, through every run or the filter's."""
    rows = settings.history_rows
    launched = time.monotonic()
    with console(JOBS_MODULE, url, scratch) as session:
        drawn = wait_for_history(session, rows, min(10, rows), timeout=60)
        outcome: dict[str, Any] = {"first_page_s": drawn - launched}
        time.sleep(settings.settle_seconds)
        focus_history(session)
        time.sleep(settings.settle_seconds / 4)
        view = EVERY_RUN
        if filtered is not None:
            assert views is not None
            view = views[filtered]
            outcome["filtered_page_s"] = _apply_filter(session, views, filtered, settings.settle_seconds / 2)
            time.sleep(settings.settle_seconds)
            # A status that no run has hides History's table and the focus leaves it: tab brings it back.
            focus_history(session)
            time.sleep(settings.settle_seconds / 4)
        outcome["page_down_ms"] = page_downs(session, view, settings.page_downs)
        screen = history_screen(session)
        outcome["rows_on_screen"] = len(screen.rows) if screen is not None else 0
        rss = session.peak_rss_kib()
    outcome["peak_rss_mb"] = (rss or 0) / 1024
    return outcome


def _apply_filter(session: PtySession, views: dict[str, HistoryView], key: str, pause: float) -> float:
    """Apply a filter as an operator would; seconds from the key that applied it to its first page drawn.

    A status: f until the title shows it, each status's page drawn and then ``pause`` (a status no run has
    shows the same words as the one before, so its query's end cannot be seen). Both filters: the status
    first, then the name, whose enter is timed.
    """
    wanted = CONSOLE_FILTERS[key]
    seconds = 0.0
    if wanted.status is not None:
        status_only = next(
            views[k] for k, f in CONSOLE_FILTERS.items() if f.status == wanted.status and f.job_part is None
        )
        seconds = filter_by_status(session, views[key] if wanted.job_part is None else status_only, pause=pause)
    if wanted.job_part is not None:
        seconds = filter_by_job(session, views[key])
    return seconds
