"""1. Dispatch lateness: N jobs every second on one grid, for at least 10 s; and drift over 100 runs."""

from __future__ import annotations

from typing import Any

from benchmarks.contenders import CONTENDERS
from benchmarks.parts import PartResult
from benchmarks.report import Row, Table
from benchmarks.runner import run_all, run_worker
from benchmarks.settings import Settings
from benchmarks.stats import Summary

WORKERS = "benchmarks.workers"


def _summaries(results: dict[str, list[Any]], key: str) -> dict[str, Summary | str | None]:
    out: dict[str, Summary | str | None] = {}
    for name, runs in results.items():
        errors = [r for r in runs if isinstance(r, Exception)]
        good = [r[key] for r in runs if not isinstance(r, Exception)]
        out[name] = Summary.of(good) if good else (f"error: {errors[0]}".splitlines()[0] if errors else None)
    return out


def _median(value: Summary | str | None) -> float | None:
    return value.median if isinstance(value, Summary) else None


def _error_text(result: Any) -> Any:
    return {"error": str(result)} if isinstance(result, Exception) else result


def run(settings: Settings) -> PartResult:
    result = PartResult()
    repeats = settings.repeats
    floors = run_all(
        [lambda: run_worker(WORKERS, "timer_floor", {"samples": settings.timer_floor_samples})] * repeats, False
    )
    floor_p99 = _summaries({"jobconsole": floors}, "p99_ms")["jobconsole"]
    result.raw["timer_floor"] = [_error_text(r) for r in floors]

    table = Table(
        f"1. Dispatch lateness — N jobs every 1 s on one grid, {settings.lateness_seconds} s per repeat, "
        f"{repeats} repeat(s)",
        CONTENDERS,
    )
    table.notes.append(
        "Lateness = job body start − its intended time on the grid (T0 + k·1 s), so drift counts. "
        "jobconsole records every run in a SQLite file (WAL); APScheduler and schedule record nothing."
    )
    table.notes.append(
        "CPU = the scheduler process's user+system CPU time over the window ÷ wall time (100 % = one core of 2)."
    )
    if isinstance(floor_p99, Summary):
        table.notes.append(
            f"Floor: a thread waiting on a Condition wakes {floor_p99.median:.2f} ms late at p99 on this machine."
        )
    runs_by_n: dict[int, dict[str, list[Any]]] = {}
    for n in settings.lateness_jobs:
        by_contender: dict[str, list[Any]] = {name: [] for name in CONTENDERS}
        for _ in range(repeats):
            args = {
                "jobs": n,
                "seconds": settings.lateness_seconds,
                "tail": settings.lateness_tail,
                "lead": settings.lead_seconds,
            }
            tasks = [
                (lambda name=name, args=args: run_worker(WORKERS, "dispatch", {**args, "contender": name}, timeout=900))
                for name in CONTENDERS
            ]
            for name, outcome in zip(CONTENDERS, run_all(tasks, settings.parallel)):
                by_contender[name].append(outcome)
        runs_by_n[n] = by_contender
        _add_rows(table, n, by_contender)
    result.raw["lateness"] = {
        str(n): {name: [_error_text(r) for r in runs] for name, runs in by_name.items()}
        for n, by_name in runs_by_n.items()
    }
    result.tables.append(table)
    result.tables.append(_drift(settings, floor_p99, result.raw))
    return result


def _add_rows(table: Table, n: int, runs: dict[str, list[Any]]) -> None:
    label = f"N = {n:,}"
    p99 = _summaries(runs, "p99_ms")
    missed = _summaries(runs, "missed")
    table.add(f"{label}: lateness p50 (ms)", **_summaries(runs, "p50_ms"))
    headline = n >= 1_000
    jc, aps = _median(p99.get("jobconsole")), _median(p99.get("apscheduler"))
    jc_missed = missed.get("jobconsole")
    no_misses = isinstance(jc_missed, Summary) and jc_missed.high == 0
    unrecorded = [
        r["finished"] - r["recorded"]
        for r in runs["jobconsole"]
        if not isinstance(r, Exception) and r.get("recorded") is not None
    ]
    if headline:
        met = None if jc is None or aps is None else (jc <= aps / 10 and no_misses and not any(unrecorded))
        table.add(f"{label}: lateness p99 (ms)", "≤ APScheduler ÷ 10, 0 missed, all recorded", met, **p99)
    else:
        table.add(f"{label}: lateness p99 (ms)", **p99)
    table.add(f"{label}: lateness max (ms)", **_summaries(runs, "max_ms"))
    table.add(
        f"{label}: missed runs (of {n * int(_first(runs, 'seconds') or 0):,})",
        "0" if headline else "—",
        no_misses if headline else None,
        **missed,
    )
    table.add(f"{label}: scheduler CPU (% of a core)", **_summaries(runs, "cpu_pct"))
    late_setup = [
        (name, r["setup_slack_s"])
        for name, results in runs.items()
        for r in results
        if not isinstance(r, Exception) and r.get("setup_slack_s", 0) < 0
    ]
    for name, slack in late_setup:
        table.notes.append(f"{label}: {name} finished setting up {-slack:.2f} s after T0; its first runs are late for that.")
    if unrecorded:
        table.rows.append(
            Row(
                f"{label}: jobconsole runs finished but not in the database",
                {"jobconsole": Summary.of(unrecorded)},
                "0",
                not any(unrecorded),
            )
        )


def _first(runs: dict[str, list[Any]], key: str) -> Any:
    for results in runs.values():
        for r in results:
            if not isinstance(r, Exception):
                return r.get(key)
    return None


def _drift(settings: Settings, floor_p99: Summary | str | None, raw: dict[str, Any]) -> Table:
    """Lateness of run 1 against run 100, the contenders one after another as in the lateness runs.

    Side by side, schedule's drifting loop brings its burst of runs ever closer to the
    grid second, and on two cores that alone makes the others' later runs late. Each
    repeat runs every contender once; a run's figure is the median over its jobs, and
    the table gives the median over the repeats (one slow second in one repeat, a
    machine's hiccup, is not drift).
    """
    runs = settings.drift_runs
    together = "at the same time" if settings.parallel else "one after another"
    table = Table(
        f"1b. Drift — {settings.drift_jobs} jobs every 1 s for {runs} runs ({settings.repeats} repeat(s), "
        f"the three contenders run {together} in each)",
        CONTENDERS,
    )
    args = {"jobs": settings.drift_jobs, "seconds": runs, "tail": settings.lateness_tail, "lead": settings.lead_seconds}
    outcomes: dict[str, list[Any]] = {name: [] for name in CONTENDERS}
    for _ in range(settings.repeats):
        tasks = [
            (lambda name=name: run_worker(WORKERS, "dispatch", {**args, "contender": name}, timeout=runs + 120))
            for name in CONTENDERS
        ]
        for name, outcome in zip(CONTENDERS, run_all(tasks, settings.parallel)):
            outcomes[name].append(outcome)
    raw["drift"] = {name: [_error_text(r) for r in repeats] for name, repeats in outcomes.items()}
    last = runs - 1
    first_run: dict[str, Summary | str | None] = {}
    last_run: dict[str, Summary | str | None] = {}
    for name, repeats in outcomes.items():
        good = [outcome for outcome in repeats if not isinstance(outcome, Exception)]
        failure = next((outcome for outcome in repeats if isinstance(outcome, Exception)), None)
        if failure is not None:
            first_run[name] = last_run[name] = f"error: {failure}".splitlines()[0]
            continue
        first_run[name] = Summary.of([outcome["by_run_median_ms"][0] for outcome in good])
        last_run[name] = Summary.of([outcome["by_run_median_ms"][last] for outcome in good])
    noise = floor_p99.median if isinstance(floor_p99, Summary) else 0.0
    jc_first, jc_last = _median(first_run.get("jobconsole")), _median(last_run.get("jobconsole"))
    table.add("lateness of run 1, median over the jobs (ms)", **first_run)
    met = None if jc_first is None or jc_last is None else jc_last <= jc_first + noise
    table.add(
        f"lateness of run {runs}, median over the jobs (ms)",
        f"≤ run 1 (+ {noise:.2f} ms timer noise)",
        met,
        **last_run,
    )
    table.notes.append(
        "schedule computes each next run from the moment the last one ran, so its lateness grows run after run; "
        "jobconsole and APScheduler keep interval jobs on their grid."
    )
    return table
