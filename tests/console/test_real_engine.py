"""The console on the real engine with a SQLite store: t starts a run, s stops it, the database says ``stopped``."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
import schedule
from textual.pilot import Pilot

from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.history import HistoryTable
from jobconsole.console.running import RunningTable
from jobconsole.console.stopping import StoppingScreen
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.engine.events import RunStarted
from jobconsole.engine.scheduler import JobScheduler
from jobconsole.interface import EngineSnapshot, EngineState
from jobconsole.runs import HistoryPage, HistoryQuery, PageDirection

from .conftest import AppFactory
from .pilot import settle
from . import engine_jobs
from .engine_jobs import ignore_stop, wait_for_stop


def stored_status(database: Path, run_id: int) -> str:
    """What an operator would find with sqlite3: the status column of the run's row."""
    with sqlite3.connect(database) as connection:
        (status,) = connection.execute("SELECT status FROM scheduled_job_runs WHERE id = ?", (run_id,)).fetchone()
    return str(status)


async def refreshed(pilot: Pilot, scheduler: JobScheduler) -> None:
    """What the once-a-second timer does, after the engine has written what it has."""
    await asyncio.to_thread(scheduler.flush)
    pilot.app.refresh_now()  # type: ignore[attr-defined]
    await settle(pilot)


@pytest.mark.parametrize("run_in_process", [False, True], ids=["thread", "process"])
async def test_t_starts_a_run_and_s_stops_it_recorded_stopped(
    console: AppFactory, tmp_path: Path, run_in_process: bool
) -> None:
    database = tmp_path / "runs.db"
    scheduler = JobScheduler(database_url=f"sqlite:///{database}", notifiers=[], grace_seconds=5, kill_after_seconds=2)
    # Due at 03:00 only: every run in this test is one the console starts.
    scheduler.register("wait_for_stop", wait_for_stop, schedule.every().day.at("03:00"), run_in_process=run_in_process)
    app = console(scheduler, clock=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert scheduler.snapshot().state is EngineState.RUNNING

        upcoming = app.query_one(UpcomingTable)
        upcoming.focus()
        await pilot.press("t")
        await settle(pilot)
        (run,) = scheduler.snapshot().running
        await refreshed(pilot, scheduler)
        running = app.query_one(RunningTable)
        assert list(running.rows) == [str(run.run_id)]
        history = app.query_one(HistoryTable)
        assert history.get_cell(str(run.run_id), "status").plain == "▶ running"

        running.focus()
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert await asyncio.to_thread(scheduler.wait_for_run, run.run_id, 30)
        await refreshed(pilot, scheduler)
        assert str(run.run_id) not in running.rows
        assert history.get_cell(str(run.run_id), "status").plain == "■ stopped"
        assert stored_status(database, run.run_id) == "stopped"

        await pilot.press("q")
        await settle(pilot)
    assert scheduler.snapshot().state is EngineState.STOPPED


async def test_quitting_with_a_run_in_progress_records_it_stopped(console: AppFactory, tmp_path: Path) -> None:
    database = tmp_path / "runs.db"
    scheduler = JobScheduler(database_url=f"sqlite:///{database}", notifiers=[], grace_seconds=5)
    scheduler.register("wait_for_stop", wait_for_stop, schedule.every().day.at("03:00"))
    app = console(scheduler, clock=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.query_one(UpcomingTable).focus()
        await pilot.press("t")
        await settle(pilot)
        (run,) = scheduler.snapshot().running
        app.refresh_now()
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
    assert scheduler.snapshot().state is EngineState.STOPPED
    assert stored_status(database, run.run_id) == "stopped"


async def test_q_asks_about_a_run_that_started_after_the_last_refresh(console: AppFactory, tmp_path: Path) -> None:
    """A run the engine started a moment ago, not yet on screen: q still asks before stopping it."""
    database = tmp_path / "runs.db"
    scheduler = JobScheduler(database_url=f"sqlite:///{database}", notifiers=[], grace_seconds=5)
    scheduler.register("wait_for_stop", wait_for_stop, schedule.every().day.at("03:00"))
    app = console(scheduler, clock=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.query_one(RunningTable).rows
        started = await asyncio.to_thread(scheduler.trigger, "wait_for_stop")
        assert started.ok and started.run_id is not None
        await asyncio.to_thread(scheduler.settle, include_runs=False)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.question.startswith("1 run is in progress.")
        assert scheduler.snapshot().state is EngineState.RUNNING
        await pilot.press("y")
        await settle(pilot)
    assert scheduler.snapshot().state is EngineState.STOPPED
    assert stored_status(database, started.run_id) == "stopped"


async def test_stopping_says_which_runs_it_waits_for_and_for_how_long_at_most(
    console: AppFactory, tmp_path: Path
) -> None:
    database = tmp_path / "runs.db"
    scheduler = JobScheduler(database_url=f"sqlite:///{database}", notifiers=[], grace_seconds=1)
    scheduler.register("ignore_stop", ignore_stop, schedule.every().day.at("03:00"))
    app = console(scheduler, clock=None)
    engine_jobs.released.clear()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            started = await asyncio.to_thread(scheduler.trigger, "ignore_stop")
            await pilot.press("q")
            await pilot.press("y")
            await pilot.pause()
            assert isinstance(app.screen, StoppingScreen)
            await asyncio.to_thread(scheduler.settle, include_runs=False)  # the shutdown has begun
            assert scheduler.snapshot().state is EngineState.STOPPING
            app.refresh_now()
            lines = app.screen.text.splitlines()
            assert lines[:2] == [
                "Stopping the scheduler…",
                f"Waiting for 1 run in progress to stop: ignore_stop #{started.run_id}.",
            ]
            assert lines[2] in (
                "At most 1s more; then they are recorded stopped.",
                "Time is up: they are being recorded stopped.",
            )
            # A second shutdown returns when the console's has (after the grace of 1 s); the console exits.
            await asyncio.to_thread(scheduler.shutdown)
            await pilot.pause()
    finally:
        engine_jobs.released.set()
    assert scheduler.snapshot().state is EngineState.STOPPED
    assert stored_status(database, started.run_id) == "stopped"


async def test_at_start_the_newest_runs_are_read_once(
    console: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduler = JobScheduler(database_url=f"sqlite:///{tmp_path / 'runs.db'}", notifiers=[])
    scheduler.register("wait_for_stop", wait_for_stop, schedule.every().day.at("03:00"))
    asked: list[HistoryQuery] = []
    read_history = scheduler.history

    def history(query: HistoryQuery) -> HistoryPage:
        asked.append(query)
        return read_history(query)

    monkeypatch.setattr(scheduler, "history", history)
    app = console(scheduler, clock=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert scheduler.snapshot().state is EngineState.RUNNING
        await refreshed(pilot, scheduler)  # the engine started, and nothing has run: nothing to read again
        assert [query.direction for query in asked] == [PageDirection.NEWEST]
        await pilot.press("q")
        await settle(pilot)


async def test_the_console_keeps_redrawing_while_the_engine_loop_is_held_up(console: AppFactory, tmp_path: Path) -> None:
    """A run listener runs on the engine loop's thread; one that blocks holds the loop up. The console
    reads the published snapshot without waiting for the loop, so its periodic refresh goes on."""
    holding = threading.Event()
    release = threading.Event()

    def hold_the_loop(event: object) -> None:
        if isinstance(event, RunStarted):
            holding.set()
            release.wait(30)

    scheduler = JobScheduler(database_url=f"sqlite:///{tmp_path / 'runs.db'}", notifiers=[], grace_seconds=5)
    scheduler.register("wait_for_stop", wait_for_stop, schedule.every().day.at("03:00"))
    scheduler.add_listener(hold_the_loop)
    app = console(scheduler, clock=None, refresh_seconds=0.2)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.query_one(UpcomingTable).focus()
            await pilot.press("t")
            assert await asyncio.to_thread(holding.wait, 10)
            refreshes = 0
            two_refreshes = asyncio.Event()  # at its usual rate (here every 0.2 s), with the loop held up
            refresh_now = app.refresh_now

            def counting_refresh() -> EngineSnapshot | None:
                nonlocal refreshes
                snapshot = refresh_now()
                refreshes += 1
                if refreshes >= 2:
                    two_refreshes.set()
                return snapshot

            app.refresh_now = counting_refresh  # type: ignore[method-assign]
            await asyncio.wait_for(two_refreshes.wait(), 10)
            assert not release.is_set()
            await settle(pilot)
            # The run the held-up loop started is on screen.
            (run,) = scheduler.snapshot().running
            assert list(app.query_one(RunningTable).rows) == [str(run.run_id)]
            release.set()
            await pilot.press("q")
            await settle(pilot)
            if isinstance(app.screen, ConfirmModal):
                await pilot.press("y")
                await settle(pilot)
    finally:
        release.set()
    assert scheduler.snapshot().state is EngineState.STOPPED
