"""Measurements that run in a fresh interpreter each, one contender at a time.

``python -m benchmarks.workers KIND 'JSON arguments'`` prints one JSON line
with the result. Each repeat of each contender gets a process of its own, so
no scheduler inherits another's threads, imports or garbage, and its CPU time
is its own.
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.contenders import Tally, make_contender, wait_until
from benchmarks.stats import percentile


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _first_due(lead: float, n: int, per_job: float) -> float:
    """A whole second far enough ahead that setting up ``n`` jobs is done before it."""
    return float(math.ceil(time.time() + lead + n * per_job))


def _lateness_pairs(contender: Any, tally: Tally, t0: float, interval: int, grid: int) -> list[tuple[int, float]]:
    """(grid index k, lateness in s) of each run due at t0 + k*interval for k < grid."""
    starts: dict[int, list[float]] = {}
    for index, started, _ in tally.body:
        starts.setdefault(index, []).append(started)
    dues = contender.due_of_runs()
    pairs: list[tuple[int, float]] = []
    for index, job_starts in starts.items():
        if dues is None:
            # schedule says nothing about due times: its k-th run is meant for t0 + k*interval.
            job_dues = [t0 + k * interval for k in range(len(job_starts))]
        else:
            job_dues = dues.get(index, [])
        for due, started in zip(job_dues, job_starts):
            k = round((due - t0) / interval)
            if 0 <= k < grid:
                pairs.append((k, started - due))
    return pairs


def dispatch(args: dict[str, Any]) -> dict[str, Any]:
    """N jobs every ``interval`` s on one grid for ``seconds`` s: lateness, missed runs, CPU."""
    n, seconds, interval = int(args["jobs"]), int(args["seconds"]), int(args.get("interval", 1))
    tail = float(args.get("tail", 2.0))
    grid = seconds // interval
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp:
        contender = make_contender(args["contender"], tally, Path(tmp))
        t0 = _first_due(float(args.get("lead", 2.0)), n, float(args.get("setup_per_job", 0.0003)))
        contender.add_jobs(n, interval, t0)
        contender.start()
        slack = t0 - time.time()
        wait_until(t0)
        cpu0, wall0 = _cpu_seconds(), time.time()
        wait_until(t0 + seconds)
        cpu1, wall1 = _cpu_seconds(), time.time()
        wait_until(t0 + seconds + tail)
        cutoff = time.time()
        body = list(tally.body)
        contender.stop()
        contender.flush()
        contender.collect()
        tally.body = [entry for entry in body if entry[1] <= cutoff]
        pairs = _lateness_pairs(contender, tally, t0, interval, grid)
        recorded = contender.recorded_final() if contender.records else None
        finished = getattr(contender, "finished_events", len(tally.done))
    lateness = [late for _, late in pairs]
    by_run: dict[int, list[float]] = {}
    for k, late in pairs:
        by_run.setdefault(k, []).append(late)
    expected = n * grid
    return {
        "contender": args["contender"],
        "jobs": n,
        "seconds": seconds,
        "expected": expected,
        "ran": len(pairs),
        "missed": expected - len(pairs),
        "skipped_by_scheduler": sum(1 for _, due in tally.missed if t0 <= due < t0 + seconds),
        "p50_ms": percentile(lateness, 0.50) * 1000,
        "p99_ms": percentile(lateness, 0.99) * 1000,
        "max_ms": max(lateness) * 1000 if lateness else math.nan,
        "cpu_pct": 100 * (cpu1 - cpu0) / (wall1 - wall0),
        "by_run_median_ms": [statistics.median(by_run[k]) * 1000 if k in by_run else None for k in range(grid)],
        "setup_slack_s": slack,
        "recorded": recorded,
        "finished": finished,
    }


def burst(args: dict[str, Any]) -> dict[str, Any]:
    """N jobs due at one instant, once: time to first start, to all finished (and recorded)."""
    n = int(args["jobs"])
    timeout = float(args.get("timeout", 120.0))
    tally = Tally(expect_done=n)
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp:
        contender = make_contender(args["contender"], tally, Path(tmp))
        t0 = _first_due(float(args.get("lead", 2.0)), n, float(args.get("setup_per_job", 0.0003)))
        # A long interval: only the first occurrence falls inside the measurement.
        contender.add_jobs(n, 600, t0)
        contender.start()
        slack = t0 - time.time()
        done_at = contender.wait_finished(timeout + max(t0 - time.time(), 0))
        contender.stop()
        contender.collect()
        recorded = contender.recorded_final() if contender.records else None
    starts = [started for _, started, _ in tally.body]
    ends = [ended for _, _, ended in tally.body]
    if contender.records:
        # Its runs finished when their bodies returned; done_at is when the last was in the database.
        finished_at = max(ends) if done_at is not None else None
        recorded_at = done_at
    else:
        finished_at, recorded_at = done_at, None
    return {
        "contender": args["contender"],
        "jobs": n,
        "first_start_s": (min(starts) - t0) if starts else None,
        "all_started_s": (max(starts) - t0) if len(starts) == n else None,
        "all_finished_s": (finished_at - t0) if finished_at is not None else None,
        "all_recorded_s": (recorded_at - t0) if recorded_at is not None else None,
        "done_s": (done_at - t0) if done_at is not None else None,
        "runs_per_s": n / (done_at - t0) if done_at is not None else None,
        "ran": len(starts),
        "missed": len(tally.missed),
        "recorded": recorded,
        "setup_slack_s": slack,
    }


def timer_floor(args: dict[str, Any]) -> dict[str, Any]:
    """How late a thread waiting on a Condition wakes for a deadline: the floor of any dispatcher."""
    samples, spacing = int(args.get("samples", 500)), float(args.get("spacing", 0.01))
    condition = threading.Condition()
    late: list[float] = []
    target = time.time() + 0.1
    with condition:
        for _ in range(samples):
            target += spacing
            while (left := target - time.time()) > 0:
                condition.wait(left)
            late.append(time.time() - target)
    return {
        "samples": samples,
        "p50_ms": percentile(late, 0.5) * 1000,
        "p99_ms": percentile(late, 0.99) * 1000,
        "max_ms": max(late) * 1000,
    }


KINDS = {"dispatch": dispatch, "burst": burst, "timer_floor": timer_floor}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in KINDS:
        print(f"usage: python -m benchmarks.workers {{{','.join(KINDS)}}} 'JSON arguments'", file=sys.stderr)
        return 2
    result = KINDS[argv[0]](json.loads(argv[1]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
