"""What the alert policy and the metrics cost the dispatch path, at 10,000 jobs.

``python -m benchmarks.metrics_cost micro`` times the engine's own work per run (making it due, ending
it, and what listeners or the metrics' counting add) on a ManualClock without threads or a database: with
no listener, with a listener that does nothing (what run events cost), with the metrics' RunTally
(``JobScheduler.count_runs``), and with the headless log line's listener (its logger off); CPU time, the
median of 30 rounds. ``python -m benchmarks.metrics_cost lateness [tally|events]`` runs the lateness
benchmark's jobconsole contender (10,000 jobs every second for 10 s, recording into SQLite) as it is, with
the metrics' counting on, or with a do-nothing listener (events on). Run each against main and this
branch (PYTHONPATH, from a directory of neither) to compare.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import schedule

from jobconsole.engine.clock import ManualClock
from jobconsole.engine.dispatch import Dispatcher, Effects
from jobconsole.engine.jobs import build_job_spec
from jobconsole.engine.outcome import SUCCEEDED
from jobconsole.engine.stopping import StopPolicy
from jobconsole.engine.timers import Timers
from jobconsole.interface import EngineState
from jobconsole.runs import EndedBy

JOBS = 10_000
ROUNDS = 30


def _body(stop_event: object) -> None:
    return None


def micro(listeners: list[Callable[[Any], None]], tally: Any = None) -> tuple[float, float]:
    """Median CPU microseconds per run: (dispatch, end), listeners and the tally called as the loop calls them."""
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    dispatcher = Dispatcher(clock, ("bench", 1), Timers(), StopPolicy(1, 1))
    for index in range(JOBS):
        dispatcher.add_job(build_job_spec(f"job-{index:05d}", _body, schedule.every(1).seconds, False, 15))
    dispatcher.has_listeners = bool(listeners)
    if tally is not None:
        dispatcher.tally = tally
    dispatcher.set_state(EngineState.RUNNING)
    dispatcher.arm_all(clock.now())
    dispatch_us: list[float] = []
    end_us: list[float] = []
    gc.disable()
    for _ in range(ROUNDS):
        now = clock.advance(1)
        started = Effects()
        began = time.process_time()
        dispatcher.on_due(now, clock.monotonic(), started)
        if tally is not None:
            tally.runs_started(started.tasks)
        for event in started.events:
            for listener in listeners:
                listener(event)
        middle = time.process_time()
        ended = Effects()
        for run in started.tasks:
            dispatcher.complete(run, SUCCEEDED, EndedBy.RETURNED, None, now, ended)
        for event in ended.events:
            for listener in listeners:
                listener(event)
        done = time.process_time()
        dispatch_us.append((middle - began) / JOBS * 1e6)
        end_us.append((done - middle) / JOBS * 1e6)
        gc.collect()
    gc.enable()
    return statistics.median(dispatch_us), statistics.median(end_us)


def micro_all() -> None:
    from jobconsole.logs import log_run_event

    cases: dict[str, tuple[list[Callable[[Any], None]], Any]] = {
        "no listener": ([], None), "events, no-op listener": ([lambda _event: None], None),
    }
    try:
        from jobconsole.engine.tally import RunTally
    except ImportError:  # main, before the metrics
        pass
    else:
        cases["metrics' RunTally"] = ([], RunTally())
    cases["log line (headless)"] = ([log_run_event], None)
    import logging

    logging.getLogger("jobconsole.runs").disabled = True  # the listener's work, not the terminal's
    for name, (listeners, tally) in cases.items():
        dispatch, end = micro(listeners, tally)
        print(f"{name:24} dispatch {dispatch:5.2f} µs/run   end {end:5.2f} µs/run   total {dispatch + end:5.2f}")


def lateness(mode: str, seconds: int = 10) -> dict[str, Any]:
    from benchmarks import contenders, workers

    start = contenders.JobconsoleContender.start

    def start_counting(self: Any) -> None:
        if mode == "tally":
            self.scheduler.count_runs()
        elif mode == "events":
            self.scheduler.add_listener(lambda _event: None)
        start(self)

    contenders.JobconsoleContender.start = start_counting  # type: ignore[method-assign]
    result = workers.dispatch({"contender": "jobconsole", "jobs": JOBS, "seconds": seconds, "interval": 1})
    return {key: result[key] for key in ("p50_ms", "p99_ms", "max_ms", "missed", "cpu_pct")}


if __name__ == "__main__":
    if sys.argv[1:] == ["micro"]:
        micro_all()
    elif sys.argv[1:2] == ["lateness"] and sys.argv[2:] in ([], ["tally"], ["events"]):
        mode = sys.argv[2] if sys.argv[2:] else "plain"
        print(json.dumps({"mode": mode, **lateness(mode)}))
    else:
        sys.exit("usage: python -m benchmarks.metrics_cost micro | lateness [tally|events]")
