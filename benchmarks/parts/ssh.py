"""6. Over SSH: bytes per second the console writes to a 120x40 terminal, idle and while history scrolls."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.console_session import console, focus_history, wait_for_history
from benchmarks.parts import PartResult
from benchmarks.parts.lateness import _error_text
from benchmarks.report import Table
from benchmarks.runner import MeasurementError, run_all, run_worker
from benchmarks.settings import Settings
from benchmarks.stats import Summary
from benchmarks.terminal import PAGE_DOWN

JOBS_MODULE = "benchmarks.job_modules.ticking"


def run(settings: Settings) -> PartResult:
    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as tmp:
        seeded = Path(tmp) / "seeded.db"
        run_worker(
            "benchmarks.history_workers", "seed", {"url": f"sqlite:///{seeded}", "rows": settings.ssh_history_rows}
        )
        sessions = run_all([lambda: _once(settings, seeded, Path(tmp))] * settings.repeats, False)
    good = [s for s in sessions if not isinstance(s, Exception)]
    error = next((f"error: {s}".splitlines()[0] for s in sessions if isinstance(s, Exception)), None)
    idle = Summary.of([s["idle_kb_s"] for s in good]) or error
    scrolling = Summary.of([s["scroll_kb_s"] for s in good]) or error
    table = Table(
        f"6. Over SSH — the console under a 120x40 pty, 3 runs in progress, {settings.repeats} repeat(s)"
    )
    table.add(
        f"idle, 3 running jobs ticking, over {settings.ssh_idle_seconds:g} s (KB/s)",
        "< 2 KB/s",
        idle.high < 2 if isinstance(idle, Summary) else None,
        jobconsole=idle,
    )
    table.add(
        f"history scrolling, page down {settings.scroll_keys_per_second:g}×/s for {settings.ssh_scroll_seconds:g} s "
        "(KB/s)",
        jobconsole=scrolling,
    )
    table.add("first screen drawn (KB)", jobconsole=Summary.of([s["first_screen_kb"] for s in good]) or error)
    table.notes.append(
        f"KB = 1,000 bytes, everything the console wrote to the terminal; TERM=xterm-256color, no COLORTERM "
        f"(as over SSH). The history holds {settings.ssh_history_rows:,} runs."
    )
    return PartResult([table], {"ssh": [_error_text(s) for s in sessions]})


def _once(settings: Settings, seeded: Path, scratch: Path) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(dir=scratch))
    database = work / "runs.db"
    shutil.copy(seeded, database)
    with console(
        JOBS_MODULE, f"sqlite:///{database}", work, JOBCONSOLE_BENCH_TICK_DELAY=str(settings.tick_delay_seconds)
    ) as session:
        wait_for_history(session, settings.ssh_history_rows, min(5, settings.ssh_history_rows), timeout=60)
        first_screen = session.total_bytes
        if session.wait_for(lambda text: "3 running" in text, settings.tick_delay_seconds + 30) is None:
            raise MeasurementError("the three ticking runs did not start in the console")
        time.sleep(settings.settle_seconds)
        began = time.monotonic()
        time.sleep(settings.ssh_idle_seconds)
        ended = time.monotonic()
        idle_bytes = session.bytes_between(began, ended)
        focus_history(session)
        time.sleep(settings.settle_seconds / 4)
        interval = 1 / settings.scroll_keys_per_second
        scroll_began = time.monotonic()
        next_key = scroll_began
        while next_key < scroll_began + settings.ssh_scroll_seconds:
            session.send(PAGE_DOWN)
            next_key += interval
            time.sleep(max(next_key - time.monotonic(), 0))
        scroll_ended = time.monotonic()
        scroll_bytes = session.bytes_between(scroll_began, scroll_ended)
    return {
        "idle_kb_s": idle_bytes / (ended - began) / 1000,
        "scroll_kb_s": scroll_bytes / (scroll_ended - scroll_began) / 1000,
        "first_screen_kb": first_screen / 1000,
        "idle_bytes": idle_bytes,
        "scroll_bytes": scroll_bytes,
    }
