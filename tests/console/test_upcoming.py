"""The Upcoming pane's countdowns: made each second for the rows on screen, and right for any row scrolled into view."""

from __future__ import annotations

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


async def tick(pilot: Pilot, clock: list[datetime], seconds: int) -> None:
    clock[0] += timedelta(seconds=seconds)
    pilot.app.refresh_now()  # type: ignore[attr-defined]
    await pilot.pause()


async def test_rows_scrolled_into_view_show_the_countdowns_of_the_last_refresh(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    add_many_jobs(seeded)
    clock = [FROZEN_NOW]
    app = console(seeded, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(UpcomingTable)
        table.focus()
        await tick(pilot, clock, 7)
        first_screen = shown_countdowns(table, seeded)
        assert_current(first_screen, seeded, clock[0])
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        scrolled_to = shown_countdowns(table, seeded)
        assert set(scrolled_to).isdisjoint(first_screen)
        assert_current(scrolled_to, seeded, clock[0])
        await tick(pilot, clock, 5)
        assert_current(shown_countdowns(table, seeded), seeded, clock[0])


async def test_rows_a_taller_terminal_brings_on_screen_show_current_countdowns(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    add_many_jobs(seeded)
    clock = [FROZEN_NOW]
    app = console(seeded, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(UpcomingTable)
        await tick(pilot, clock, 3)
        before = shown_countdowns(table, seeded)
        await pilot.resize_terminal(80, 60)
        await settle(pilot)
        after = shown_countdowns(table, seeded)
        assert len(after) > len(before)
        assert_current(after, seeded, clock[0])


async def test_a_refresh_makes_countdowns_only_for_the_rows_on_screen(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_many_jobs(seeded)
    clock = [FROZEN_NOW]
    app = console(seeded, clock=lambda: clock[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(UpcomingTable)
        made: list[str] = []

        def counted(when: datetime | None, now: datetime) -> str:
            made.append("countdown")
            return format_countdown(when, now)

        monkeypatch.setattr(upcoming_module, "format_countdown", counted)
        await tick(pilot, clock, 1)
        on_screen = len(shown_countdowns(table, seeded))
        assert 0 < len(made) <= on_screen < MANY
