"""Make the README's pictures of the console from real runs of the demo jobs.

    python screenshots/make_screenshots.py

The console runs with its engine on the bundled demo jobs, on a fresh SQLite file, with the
jobs' intervals shortened to seconds so that it takes a minute, not ten. Once History holds
a failure, a timeout and a process run, and a run is in progress, it saves ``main.svg``
(120x40) and ``main-80x24.svg``, then the failed run's detail (``run-detail.svg``), a job's
view (``job-view.svg``) and the help (``help.svg``). For ``attached-80x24.svg`` it starts a
headless scheduler (``jobconsole --no-ui``) and attaches a console to it.

Each SVG also gets a PNG (with ``rsvg-convert``, from librsvg). Times and durations are
whatever the runs took: the pictures are what an operator sees, and differ a little each time.
The one thing changed is the checkout's own directory in tracebacks, shown as ``~/jobconsole``,
so that no machine's path is committed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the demo jobs and the tests' pilot helpers

from textual.pilot import Pilot  # noqa: E402

from jobconsole.attach.remote import RemoteScheduler  # noqa: E402
from jobconsole.console import JobConsoleApp, make_app  # noqa: E402
from jobconsole.console.history import HistoryTable  # noqa: E402
from jobconsole.console.upcoming import UpcomingTable  # noqa: E402
from jobconsole.engine.scheduler import JobScheduler  # noqa: E402
from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus  # noqa: E402
from jobconsole.store import open_store  # noqa: E402
from sample_jobs import demo  # noqa: E402
from tests.console.pilot import settle  # noqa: E402

FAST_INTERVALS = {
    "send_weekly_newsletter": 2,
    "send_smart_alerts": 3,
    "scrape_mep_meetings": 4,
    "sync_partner_feed": 5,
    "clean_up_embeddings": 7,
}
"""Seconds between runs of each demo job here; the embeddings sweep (about 16 s) still times out at 12 s."""

WAIT_SECONDS = 120.0


def seen_everything(rows: tuple[RunRecord, ...], running: int) -> bool:
    """A failure, a timeout, a process run that ended, and something in progress: every pane has something."""
    statuses = {row.status for row in rows}
    process_ended = any(row.run_mode is RunMode.PROCESS and row.status.is_final for row in rows)
    return {RunStatus.FAILED, RunStatus.TIMED_OUT} <= statuses and process_ended and running > 0


async def wait_for(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_screenshots: no {what} within {WAIT_SECONDS:g} s")
        await pilot.pause(0.25)


def save(app: JobConsoleApp, name: str) -> Path:
    svg = app.export_screenshot(title="jobconsole").replace(str(HERE.parent), "~/jobconsole")
    # librsvg drops leading no-break spaces unless told to keep whitespace; browsers do not mind.
    svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    path = HERE / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


async def embedded_pictures() -> list[Path]:
    store = open_store("sqlite:///jobconsole.db")
    scheduler = JobScheduler()
    scheduler.configure(store=store, notifiers=[], demo=True)
    demo.register(scheduler, [dataclasses.replace(job, every_seconds=FAST_INTERVALS[job.name]) for job in demo.JOBS])
    app = make_app(scheduler, embedded=True)
    saved = []
    async with app.run_test(size=(120, 40)) as pilot:

        def ready() -> bool:
            # The embeddings sweep runs for 12 s: the Running pane has it for a while.
            running = [run.job_name for run in scheduler.snapshot().running]
            rows = store.history(HistoryQuery(limit=200)).rows
            return "clean_up_embeddings" in running and seen_everything(rows, len(running))

        await wait_for(pilot, ready, "failure, timeout and process run")
        await pilot.pause(2.5)  # the sweep's bar moves on a little
        app.refresh_now()
        await settle(pilot)
        saved.append(save(app, "main"))
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        saved.append(save(app, "main-80x24"))

        await pilot.resize_terminal(100, 30)
        rows = store.history(HistoryQuery(limit=200, statuses=(RunStatus.FAILED,), job_name="sync_partner_feed")).rows
        app.open_detail(rows[0].id)
        await settle(pilot)
        saved.append(save(app, "run-detail"))
        await pilot.press("escape")

        upcoming = app.query_one(UpcomingTable)
        upcoming.focus()
        upcoming.move_cursor(row=upcoming.get_row_index("scrape_mep_meetings"), animate=False)
        await pilot.press("enter")
        await settle(pilot)
        saved.append(save(app, "job-view"))
        await pilot.press("escape")

        await pilot.resize_terminal(80, 24)
        await pilot.press("question_mark")
        await settle(pilot)
        saved.append(save(app, "help"))
        await pilot.press("question_mark")
        app.query_one(HistoryTable).focus()
        await pilot.press("q")
        await settle(pilot)
        if not app.is_running:
            return saved
        await pilot.press("y")  # runs in progress: quit anyway
    return saved


async def attached_picture() -> Path:
    url = "sqlite:///attached.db"
    environment = {**os.environ, "JOBCONSOLE_DEMO_DIR": "attached-data", "PYTHONPATH": str(HERE.parent)}
    server = subprocess.Popen(
        [sys.executable, "-m", "jobconsole", "--no-ui", "--db", url],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        store = open_store(url)
        remote = RemoteScheduler(store)
        remote.start()
        try:
            app = make_app(remote, embedded=False)
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_for(pilot, lambda: len(store.history(HistoryQuery(limit=10)).rows) >= 6, "six runs")
                remote.pause("send_smart_alerts")
                await wait_for(pilot, lambda: any(job.paused for job in remote.snapshot().jobs), "paused job")
                app.refresh_now()
                await settle(pilot)
                return save(app, "attached-80x24")
        finally:
            remote.close()
            store.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def to_png(svg: Path) -> Path:
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "--output", str(png), str(svg)], check=True)
    return png


async def main() -> int:
    converter = shutil.which("rsvg-convert")
    # The engine's warnings (a run timed out) are the pictures' subject, not this script's output.
    logging.getLogger("jobconsole").addHandler(logging.NullHandler())
    logging.getLogger("jobconsole").propagate = False
    with tempfile.TemporaryDirectory(prefix="jobconsole-screenshots-") as scratch:
        # Relative paths, as a newcomer's first run has them: the header shows sqlite:///jobconsole.db.
        os.chdir(scratch)
        os.environ["JOBCONSOLE_DEMO_DIR"] = "demo-data"
        svgs = await embedded_pictures()
        svgs.append(await attached_picture())
        os.chdir(HERE.parent)
    for svg in svgs:
        print(svg.relative_to(HERE.parent))
        if converter:
            print(to_png(svg).relative_to(HERE.parent))
    if not converter:
        print("rsvg-convert not found (apt-get install librsvg2-bin): made the SVGs only", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
