"""The Upcoming pane's countdowns: made each second for the rows on screen, and right for any row scrolled into view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot

from jobconsole.console import upcoming as upcoming_module
from jobconsole.console.formatting import format_countdown
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.runs import RunMode

from .conftest import AppFactory
from .pilot import settle
from .seeded import FROZEN_NOW, SeedJob, SeededScheduler

MANY = 40


def add_many_jobs(seeded: SeededScheduler) -> None:
    """Jobs due 20 to 59 minutes from now: their countdowns show seconds, so each second changes them."""
    seeded.jobs.extend(
        SeedJob(f"job_{index:02d}", "every 2 hours", RunMode.THREAD, 600, timedelta(hours=2), FROZEN_NOW + timedelta(minutes=20 + index))
        for index in range(MANY)
    )


def shown_countdowns(table: UpcomingTable, seeded: SeededScheduler) -> dict[str, str]:
    """Each job on screen and the line it is drawn on, as the operator reads it."""
    lines = ["".join(segment.text for segment in table.render_line(y)) for y in range(1, table.size.height)]
    shown = {}
    for line in filter(str.strip, lines):
        # A long name is cut short with an ellipsis; a running job's has a ▶ before it.
        start = line.replace("▶", " ").split()[0].rstrip("…")
        shown[next(job.name for job in seeded.jobs if job.name.startswith(start))] = line
    return shown


def assert_current(shown: dict[str, str], seeded: SeededScheduler, now: datetime) -> None:
    assert shown
    for name, line in shown.items():
        assert format_countdown(seeded.job(name).next_run, now) in line, (name, line)


class ManyJobs:
    """The console at 80x24 on the seeded jobs and ``MANY`` more, with a clock a test moves on (:meth:`tick`)."""

    def __init__(self, pilot: Pilot, seeded: SeededScheduler, clock: list[datetime]) -> None:
        self.pilot, self.seeded, self.clock = pilot, seeded, clock
        self.table = pilot.app.query_one(UpcomingTable)

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def shown(self) -> dict[str, str]:
        return shown_countdowns(self.table, self.seeded)

    async def tick(self, seconds: int) -> None:
        """``seconds`` pass, then the once-a-second refresh comes."""
        self.clock[0] += timedelta(seconds=seconds)
        self.pilot.app.refresh_now()  # type: ignore[attr-defined]
        await self.pilot.pause()


@asynccontextmanager
async def many_jobs(console: AppFactory, seeded: SeededScheduler) -> AsyncIterator[ManyJobs]:
    add_many_jobs(seeded)
    clock = [FROZEN_NOW]
    app = console(seeded, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        yield ManyJobs(pilot, seeded, clock)


async def test_rows_scrolled_into_view_show_the_countdowns_of_the_last_refresh(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    async with many_jobs(console, seeded) as jobs:
        jobs.table.focus()
        await jobs.tick(7)
        first_screen = jobs.shown()
        assert_current(first_screen, seeded, jobs.now)
        for _ in range(3):
            await jobs.pilot.press("pagedown")
        await jobs.pilot.pause()
        scrolled_to = jobs.shown()
        assert set(scrolled_to).isdisjoint(first_screen)
        assert_current(scrolled_to, seeded, jobs.now)
        await jobs.tick(5)
        assert_current(jobs.shown(), seeded, jobs.now)


async def test_rows_a_taller_terminal_brings_on_screen_show_current_countdowns(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    async with many_jobs(console, seeded) as jobs:
        await jobs.tick(3)
        before = jobs.shown()
        await jobs.pilot.resize_terminal(80, 60)
        await settle(jobs.pilot)
        after = jobs.shown()
        assert len(after) > len(before)
        assert_current(after, seeded, jobs.now)


async def test_a_refresh_makes_countdowns_only_for_the_rows_on_screen(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with many_jobs(console, seeded) as jobs:
        made: list[str] = []

        def counted(when: datetime | None, now: datetime) -> str:
            made.append("countdown")
            return format_countdown(when, now)

        monkeypatch.setattr(upcoming_module, "format_countdown", counted)
        await jobs.tick(1)
        on_screen = len(jobs.shown())
        assert 0 < len(made) <= on_screen < MANY
