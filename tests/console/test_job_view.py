"""The job view (enter on a job in Upcoming): schedule, next five due times, success rate and durations
from the job's real rows, its last runs; enter opens a run, t runs the job, esc goes back."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
import schedule
from textual.pilot import Pilot
from textual.widgets import Sparkline, Static

from jobconsole.attach.remote import RemoteScheduler
from jobconsole.console.detail import RunDetailScreen
from jobconsole.console.job_screen import JobRunsTable, JobScreen
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.engine import ManualClock
from jobconsole.engine.scheduler import JobScheduler
from jobconsole.interface import StoreUnavailableError
from jobconsole.store import open_store
from tests.cli.test_attach import start_server, stop_server
from tests.engine import jobs_for_tests

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_attached import until
from .test_keys import wait_until

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)  # a Thursday


def shown(pilot: Pilot, selector: str) -> list[str]:
    """A part of the job view as the operator reads it, line by line."""
    widget = pilot.app.screen.query_one(selector, Static)
    return ["".join(segment.text for segment in widget.render_line(y)).rstrip() for y in range(widget.size.height)]


async def open_job(pilot: Pilot, name: str) -> JobScreen:
    upcoming = pilot.app.query_one(UpcomingTable)
    upcoming.focus()
    upcoming.move_cursor(row=upcoming.get_row_index(name), animate=False)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, JobScreen) and screen.job_name == name
    return screen


@pytest.fixture
def engine(tmp_path: Path):
    """The real engine on a SQLite file, on a clock that moves only when the test says."""
    clock = ManualClock(START)
    scheduler = JobScheduler(database_url=f"sqlite:///{tmp_path / 'runs.db'}", notifiers=[], clock=clock)
    scheduler.register("tick", jobs_for_tests.succeed, schedule.every(10).minutes, timeout_minutes=2)
    scheduler.register("nightly", jobs_for_tests.succeed, schedule.every().day.at("03:00", "UTC"))
    return scheduler, clock


async def test_enter_on_a_job_shows_its_next_five_due_times_and_its_real_runs(console: AppFactory, engine) -> None:
    scheduler, clock = engine
    app = console(scheduler, clock=lambda: clock.now())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):  # tick runs at 15:10, 15:20 and 15:30
            clock.advance(timedelta(minutes=10))
            await asyncio.to_thread(scheduler.settle)
        app.refresh_now()
        await settle(pilot)

        await open_job(pilot, "nightly")
        assert shown(pilot, "#job-next") == [
            "Next runs",
            "Fri 03:00        in 11h 30m",
            "Sat 03:00        in 1d 11h",
            "Sun 03:00        in 2d 11h",
            "Mon 03:00        in 3d 11h",
            "Tue 03:00        in 4d 11h",
        ]
        fields = shown(pilot, "#job-fields")
        assert fields[0].split() == ["Schedule", "every", "day", "at", "03:00", "(UTC)"]
        assert fields[1].split() == ["Mode", "thread", "·", "timeout", "15m"]
        assert "no finished runs yet" in fields[3]
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)

        await open_job(pilot, "tick")
        assert shown(pilot, "#job-next")[1:3] == ["15:40:00         in 10m 00s", "15:50:00         in 20m 00s"]
        assert "100% of the last 3 succeeded" in shown(pilot, "#job-fields")[3]
        runs = app.screen.query_one(JobRunsTable)
        assert [runs.get_cell(key, "status").plain for key in runs.rows] == ["✓ succeeded"] * 3
        assert len(app.screen.query_one(Sparkline).data or ()) == 3


async def test_t_runs_the_job_and_enter_opens_one_of_its_runs(console: AppFactory, engine) -> None:
    scheduler, clock = engine
    app = console(scheduler, clock=lambda: clock.now())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, "nightly")
        await pilot.press("t")
        await settle(pilot)
        await asyncio.to_thread(scheduler.settle)
        app.refresh_now()
        await settle(pilot)
        runs = screen.query_one(JobRunsTable)
        (key,) = runs.rows
        assert runs.get_cell(key, "status").plain == "✓ succeeded"
        assert "100% of the last 1 succeeded" in shown(pilot, "#job-fields")[3]

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen) and str(app.screen.run_id) == str(key.value)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_read_only_console_offers_no_trigger_in_the_job_view(console: AppFactory) -> None:
    seeded = SeededScheduler()
    seeded.read_only = True
    app = console(seeded, embedded=False, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_job(pilot, "flaky_report")
        keys = {binding.binding.key for binding in app.screen.active_bindings.values() if binding.enabled}
        assert "t" not in keys and "escape" in keys and "enter" in keys
        await pilot.press("t")
        await settle(pilot)
        assert seeded.triggered == []


async def test_enter_shows_in_upcoming_footer_and_the_help(console: AppFactory) -> None:
    app = console(SeededScheduler())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.query_one(UpcomingTable).focus()
        await pilot.pause()
        footer = {binding.binding.description for binding in app.screen.active_bindings.values() if binding.binding.show}
        assert "Job" in footer
        described = {binding.description for _, bindings in app.key_groups() for binding in bindings}
        assert {"Job", "Back", "Trigger"} <= described


async def test_the_job_view_of_an_attached_console_shows_what_the_leader_published(
    console: AppFactory, database_url: str
) -> None:
    """A headless scheduler in another process: tick runs every second, nightly at 03:00 on its clock."""
    server = start_server(database_url)
    store = open_store(database_url)
    remote = RemoteScheduler(store)
    remote.start()
    try:
        app = console(remote, embedded=False, clock=None)
        async with app.run_test(size=(80, 24)) as pilot:
            upcoming = app.query_one(UpcomingTable)
            await until(pilot, lambda: {"tick", "nightly"} <= {str(key.value) for key in upcoming.rows})

            nightly = await open_job(pilot, "nightly")
            await until(pilot, lambda: len(nightly.due) == 5)
            assert [due.astimezone().time() for due in nightly.due] == [time(3)] * 5, "03:00 on the leader's clock"
            assert [later.date() - earlier.date() for earlier, later in pairwise(nightly.due)] == [timedelta(days=1)] * 4
            await pilot.press("escape")

            tick = await open_job(pilot, "tick")
            runs = tick.query_one(JobRunsTable)
            await until(pilot, lambda: len(runs.rows) >= 2 and tick.stats is not None and tick.stats.count >= 2)
            assert [later - earlier for earlier, later in pairwise(tick.due)] == [timedelta(seconds=1)] * 4
            assert "100% of the last" in shown(pilot, "#job-fields")[3]
            assert {runs.get_cell(key, "status").plain for key in runs.rows} <= {"✓ succeeded", "▶ running"}
    finally:
        remote.close()
        store.close()
        stop_server(server)


async def test_an_unreadable_database_is_said_and_the_view_fills_in_once_it_is_back(console: AppFactory) -> None:
    seeded = SeededScheduler()
    app = console(seeded, retry_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seeded.history_error = StoreUnavailableError("database is locked")
        screen = await open_job(pilot, "flaky_report")
        assert screen.query_one("#job-runs").border_title == "Last runs · ⚠ unavailable, retrying"
        assert "77% of the last 54 succeeded" in shown(pilot, "#job-fields")[3], "the statistics known before"
        assert shown(pilot, "#job-next")[1].startswith("09:41:40"), "the due times come from the scheduler, not the database"
        assert ("error", "flaky_report's runs cannot be read: database is locked. Retrying every 0.05 s.") in [
            (note.severity, note.message) for note in app._notifications
        ]
        seeded.history_error = None
        await wait_until(pilot, lambda: bool(screen.query_one(JobRunsTable).rows))
        assert screen.query_one("#job-runs").border_title == "Last runs"
