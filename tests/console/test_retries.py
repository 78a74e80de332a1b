"""The console says which attempt a run is: ``attempt 2/3`` in History and in the run's detail (real engine)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import schedule
from rich.console import Console
from textual.widgets import Static

from jobconsole.console.history import HistoryTable
from jobconsole.console.detail import RunDetailScreen
from jobconsole.engine.scheduler import JobScheduler
from jobconsole.runs import HistoryQuery

from .conftest import AppFactory
from .engine_jobs import fail_with_bad_row
from .pilot import settle
from .test_real_engine import refreshed


async def test_history_and_the_detail_say_attempt_2_of_3(console: AppFactory, tmp_path: Path) -> None:
    scheduler = JobScheduler(database_url=f"sqlite:///{tmp_path / 'runs.db'}", notifiers=[])
    # No backoff: the three attempts follow one another at once.
    scheduler.register("partner_feed", fail_with_bad_row, schedule.every().day.at("03:00"), retries=2, retry_backoff=0)
    app = console(scheduler, clock=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = scheduler.run_job("partner_feed").run_id
        assert first is not None

        def attempts_written() -> int:
            scheduler.flush()
            return len(scheduler.history(HistoryQuery(job_name="partner_feed")).rows)

        for _ in range(200):
            if await asyncio.to_thread(attempts_written) == 3:
                break
            await asyncio.sleep(0.05)
        await refreshed(pilot, scheduler)
        history = app.query_one(HistoryTable)
        cells = {run_id: history.get_cell(str(run_id), "error").plain for run_id in (first, first + 1, first + 2)}
        assert cells == {
            run_id: f"attempt {n}/3 · ValueError: row 7 of the partner feed is malformed"
            for n, run_id in enumerate((first, first + 1, first + 2), start=1)
        }

        app.open_detail(first + 1)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        fields = screen.query_one("#detail-fields", Static).visual
        printer = Console(width=120, force_terminal=False)
        with printer.capture() as captured:
            printer.print(fields._renderable)  # type: ignore[union-attr]
        assert f"Triggered retry · attempt 2/3 of run {first}" in captured.get()
        await pilot.press("escape")
        await pilot.press("q")
        await settle(pilot)
