"""At 80 columns every pane keeps what an operator reads first, and the header says where and when."""

from __future__ import annotations

from jobconsole.console.header import HeaderBar, HeaderClock
from jobconsole.console.history import HistoryTable
from jobconsole.console.running import RunningTable
from jobconsole.console.upcoming import UpcomingTable

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler


def shown_columns(table: HistoryTable | RunningTable | UpcomingTable) -> list[str]:
    return [str(column.key.value) for column in table.ordered_columns]


async def test_at_80_columns_history_keeps_status_run_job_started_and_took(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        history = app.query_one(HistoryTable)
        assert shown_columns(history)[:5] == ["status", "run", "job", "started", "duration"]
        newest = seeded.newest()
        assert history.get_cell(str(newest.id), "run").plain == f"#{newest.id}"
        # Nothing is pushed off the right edge: the table fits the screen.
        assert sum(column.get_render_width(history) for column in history.ordered_columns) <= 80


async def test_at_80_columns_upcoming_shows_mode_and_timeout_apart(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        upcoming = app.query_one(UpcomingTable)
        assert {"mode", "timeout"} <= set(shown_columns(upcoming))
        job = seeded.job("scrape_mep_meetings")
        assert upcoming.get_cell(job.name, "mode").plain == "proc"
        assert upcoming.get_cell(job.name, "timeout").plain == "10m"


async def test_the_header_shows_the_host_the_time_to_the_second_and_what_it_counts(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = str(app.query_one(HeaderBar).render())
        clock = str(app.query_one(HeaderClock).render())
        # The clock is a widget of its own at the right end: its second ticks redraw only it.
        assert (header.rstrip() + clock.rstrip()).endswith("ops-1 09:30:00 UTC")
        assert f"{seeded.snapshot().failures_24h} failures/24h" in header
