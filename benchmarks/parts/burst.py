"""2. Burst: N jobs due at the same instant, once each."""

from __future__ import annotations

from typing import Any

from benchmarks.contenders import CONTENDERS
from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text, _median, _summaries
from benchmarks.report import Table
from benchmarks.runner import run_all, run_worker
from benchmarks.settings import Settings


def run(settings: Settings) -> PartResult:
    n = settings.burst_jobs
    runs: dict[str, list[Any]] = {name: [] for name in CONTENDERS}
    for _ in range(settings.repeats):
        args = {"jobs": n, "lead": settings.lead_seconds}
        tasks = [
            (lambda name=name, args=args: run_worker("benchmarks.workers", "burst", {**args, "contender": name}, timeout=600))
            for name in CONTENDERS
        ]
        for name, outcome in zip(CONTENDERS, run_all(tasks, settings.parallel)):
            runs[name].append(outcome)
    table = Table(f"2. Burst — {n:,} jobs due at the same instant, {settings.repeats} repeat(s)", CONTENDERS)
    table.add("time to first body start (s)", **_summaries(runs, "first_start_s"))
    table.add("time until all bodies started (s)", **_summaries(runs, "all_started_s"))
    table.add("time until all runs finished (s; jobconsole: bodies returned)", **_summaries(runs, "all_finished_s"))
    done = _summaries(runs, "done_s")
    jc, aps = _median(done.get("jobconsole")), _median(done.get("apscheduler"))
    table.add(
        "time until all finished and (jobconsole) recorded (s)",
        "jobconsole ≤ 0.5 s and ≤ APScheduler (finished, unrecorded)",
        None if jc is None or aps is None else jc <= min(0.5, aps),
        **done,
    )
    table.add("runs per second (N ÷ that time)", **_summaries(runs, "runs_per_s"))
    table.add("runs missed", **_summaries(runs, "missed"))
    table.notes.append(
        "Times are from the instant all jobs were due. schedule's loop sleeps 1 s between checks, so its first "
        "start falls anywhere in that second; APScheduler runs with misfire_grace_time=None so it drops nothing."
    )
    return PartResult([table], {"burst": {name: [_error_text(r) for r in rs] for name, rs in runs.items()}})
