"""4. Idle cost: ``jobconsole --no-ui`` with 100 jobs whose next runs are minutes away."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import MeasurementError, child_env, jobconsole_command, run_all
from benchmarks.settings import Settings
from benchmarks.stats import Summary

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its children alive now (from /proc, in clock ticks)."""
    total = 0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def measure_once(seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp:
        command = [
            *jobconsole_command(), "--no-ui", "--jobs", "benchmarks.job_modules.idle",
            "--db", f"sqlite:///{tmp}/idle.db",
        ]
        process = subprocess.Popen(
            command, cwd=tmp, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        started = threading.Event()
        log: list[str] = []

        def drain() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                log.append(line)
                if "scheduler started" in line:
                    started.set()

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            if not started.wait(30):
                raise MeasurementError("jobconsole --no-ui did not log 'scheduler started' within 30 s:\n" + "".join(log[-5:]))
            time.sleep(1.0)  # let start-up work settle
            cpu0, wall0 = _cpu_seconds(process.pid), time.monotonic()
            time.sleep(seconds)
            cpu1, wall1 = _cpu_seconds(process.pid), time.monotonic()
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(5)
    return {"cpu_pct": 100 * (cpu1 - cpu0) / (wall1 - wall0), "cpu_s": cpu1 - cpu0, "seconds": wall1 - wall0}


def run(settings: Settings) -> PartResult:
    # The repeats run side by side: an idle process's own CPU time hardly depends on its neighbours.
    outcomes = run_all([lambda: measure_once(settings.idle_seconds)] * settings.repeats, True)
    values = [o["cpu_pct"] for o in outcomes if not isinstance(o, Exception)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    figure: Summary | str | None = Summary.of(values) if values else f"error: {errors[0]}".splitlines()[0]
    table = Table(
        f"4. Idle cost — jobconsole --no-ui, 100 jobs next due in 10–29 min, {settings.idle_seconds:g} s, "
        f"{settings.repeats} repeat(s) side by side"
    )
    table.add(
        "CPU (% of a core)",
        "< 0.2 %",
        None if not values else max(values) < 0.2,
        jobconsole=figure,
    )
    table.notes.append("CPU from /proc (user + system, 10 ms ticks) of the process and its children.")
    return PartResult([table], {"idle": [_error_text(o) for o in outcomes]})
