"""3. Process runs: due to body start against the start method's floor; timeout to process group gone."""

from __future__ import annotations

from typing import Any

from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import run_all, run_worker
from benchmarks.settings import Settings
from benchmarks.stats import Summary

WORKERS = "benchmarks.process_workers"


def _pick(results: list[Any], *keys: str) -> Summary | str | None:
    values = []
    for r in results:
        if isinstance(r, Exception):
            return f"error: {r}".splitlines()[0]
        value: Any = r
        for key in keys:
            value = value[key]
        values.append(value)
    return Summary.of(values)


def run(settings: Settings) -> PartResult:
    repeats = settings.repeats
    floors = run_all(
        [lambda: run_worker(WORKERS, "floor", {"samples": settings.process_floor_samples})] * repeats, False
    )
    args = {
        "runs": settings.process_runs,
        "timeouts": settings.process_timeouts,
        "grace": settings.process_grace,
        "timeout_seconds": settings.process_timeout_seconds,
    }
    runs = run_all([lambda: run_worker(WORKERS, "runs", args, timeout=300)] * repeats, False)
    floor_p50 = _pick(floors, "p50_ms")
    body_p50 = _pick(runs, "due_to_body", "p50_ms")
    gone_max = _pick(runs, "gone_after_deadline", "max_ms")
    grace_ms = settings.process_grace * 1000
    table = Table(
        f"3. Process runs (run_in_process=True) — {settings.process_runs} runs × {repeats} repeat(s)"
    )
    table.add("floor: bare child from a fork server with the job module preloaded, start → first line, p50 (ms)",
              jobconsole=floor_p50)
    met = None
    target = "≤ 1.5 × floor"
    if isinstance(body_p50, Summary) and isinstance(floor_p50, Summary):
        met = body_p50.median <= 1.5 * floor_p50.median
        target = f"≤ 1.5 × floor = {1.5 * floor_p50.median:.1f} ms"
    table.add("due → job body start, p50 (ms)", target, met, jobconsole=body_p50)
    table.add("due → job body start, p99 (ms)", jobconsole=_pick(runs, "due_to_body", "p99_ms"))
    table.add(
        f"deadline → process group gone, worst run (ms; grace {settings.process_grace:g} s)",
        f"≤ grace + 50 ms = {grace_ms + 50:.0f} ms",
        None if not isinstance(gone_max, Summary) else gone_max.high <= grace_ms + 50,
        jobconsole=gone_max,
    )
    table.notes.append(
        "The timed-out job ignores its stop_event and has a grandchild (sleep) in its process group; "
        "'gone' means every process of the group has exited. The floor's fork server and jobconsole's both "
        "preload the job module; the benchmark's main module imports nothing a child would re-import."
    )
    return PartResult([table], {"floor": [_error_text(r) for r in floors], "runs": [_error_text(r) for r in runs]})
