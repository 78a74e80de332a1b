"""Make the README's pictures of the console from the seeded data the snapshot tests use.

    python screenshots/make_screenshots.py

Writes ``main.svg``, ``main-80x24.svg``, ``attached-80x24.svg``, ``run-detail.svg`` and ``help.svg``
next to this file, and a PNG of each (with ``rsvg-convert``, from librsvg).
The clock is frozen and the data seeded, so running it twice gives the same files.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the seeded scheduler lives with the tests

from textual.pilot import Pilot  # noqa: E402

from jobconsole.console import JobConsoleApp, make_app  # noqa: E402
from tests.console.pilot import settle  # noqa: E402
from jobconsole.console.history import HistoryTable  # noqa: E402
from jobconsole.interface import EngineState  # noqa: E402
from jobconsole.runs import RunStatus  # noqa: E402
from tests.console.seeded import MARKUP_ERROR, SeededScheduler, frozen_clock  # noqa: E402

Steps = Callable[[Pilot], Awaitable[None]]


async def nothing(pilot: Pilot) -> None:
    return None


async def open_failed_run(pilot: Pilot) -> None:
    scheduler = pilot.app.scheduler
    assert isinstance(scheduler, SeededScheduler)
    failed = next(
        record
        for record in sorted(scheduler.records.values(), key=lambda record: -record.id)
        if record.status is RunStatus.FAILED and record.traceback and record.error_message != MARKUP_ERROR
    )
    table = pilot.app.query_one(HistoryTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(str(failed.id)))
    await pilot.press("enter")


async def open_help(pilot: Pilot) -> None:
    await pilot.press("question_mark")


def attached() -> SeededScheduler:
    scheduler = SeededScheduler()
    scheduler.attached_to = "pid 4242 on app-1 since 09:12 UTC"
    scheduler.state = EngineState.RUNNING  # the headless scheduler it is attached to runs
    scheduler.pause("send_smart_alerts")
    return scheduler


async def picture(
    name: str, size: tuple[int, int], steps: Steps, scheduler: SeededScheduler | None = None
) -> Path:
    embedded = scheduler is None
    app: JobConsoleApp = make_app(
        scheduler or SeededScheduler(), clock=frozen_clock, refresh_seconds=3600, embedded=embedded
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)
        svg = app.export_screenshot(title="jobconsole")
    # librsvg drops leading no-break spaces unless told to keep whitespace; browsers do not mind.
    svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    path = HERE / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def to_png(svg: Path) -> Path:
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "--output", str(png), str(svg)], check=True)
    return png


async def main() -> int:
    converter = shutil.which("rsvg-convert")
    svgs = [
        await picture("main", (120, 40), nothing),
        await picture("main-80x24", (80, 24), nothing),
        await picture("attached-80x24", (80, 24), nothing, attached()),
        await picture("run-detail", (100, 30), open_failed_run),
        await picture("help", (100, 30), open_help),
    ]
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
