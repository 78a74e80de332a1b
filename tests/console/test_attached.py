"""A console attached to a headless scheduler in another process: it shows that scheduler's runs live,
t, s and p act on it, quitting leaves it running, and a read-only console offers nothing that acts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot

from jobconsole.attach.remote import RemoteScheduler
from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.history import HistoryTable
from jobconsole.console.running import RunningTable
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.runs import RunStatus
from jobconsole.store import open_store
from tests.cli.test_attach import cli, row_status, start_server, stop_server

from .conftest import AppFactory
from .pilot import settle


async def until(pilot: Pilot, holds: Callable[[], object], timeout: float = 15.0) -> None:
    """Refresh as the once-a-second timer would until what the operator looks for is on screen."""
    deadline = time.monotonic() + timeout
    while True:
        pilot.app.refresh_now()  # type: ignore[attr-defined]
        await settle(pilot)
        if holds():
            return
        assert time.monotonic() < deadline, "not on screen in time"
        await asyncio.sleep(0.1)


def select(table: UpcomingTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key), animate=False)


async def test_an_attached_console_shows_and_steers_the_scheduler_and_quitting_leaves_it_running(
    console: AppFactory, database_url: str
) -> None:
    server = start_server(database_url)
    store = open_store(database_url)
    remote = RemoteScheduler(store)
    remote.start()
    try:
        app = console(remote, embedded=False, clock=None)
        async with app.run_test(size=(120, 40)) as pilot:
            history = app.query_one(HistoryTable)
            await until(pilot, lambda: any(history.get_cell(key, "job").plain == "tick" for key in history.rows))
            header = app.screen.query_one("#header")
            await until(pilot, lambda: f"pid {server.process.pid} on " in str(header.render()))

            upcoming = app.query_one(UpcomingTable)
            select(upcoming, "nightly")
            await pilot.press("t")
            running = app.query_one(RunningTable)
            await until(pilot, lambda: len(running.rows) == 1)
            (run_key,) = running.rows
            run_id = int(str(run_key.value if hasattr(run_key, "value") else run_key))
            running.focus()
            await pilot.press("s")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await until(pilot, lambda: row_status(database_url, run_id) is RunStatus.STOPPED)

            select(upcoming, "tick")
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal)
            await pilot.press("y")
            await until(pilot, lambda: upcoming.get_cell("tick", "next").plain == "‖ paused")

            await pilot.press("q")
            await settle(pilot)
        assert cli(database_url, "status").returncode == 0, "quitting an attached console stopped the scheduler"
        commands = remote.commands_for_run(run_id)
        assert [command.kind.value for command in commands] == ["trigger", "stop"]
    finally:
        remote.close()
        store.close()
        stop_server(server)


async def test_a_read_only_console_offers_no_key_that_acts(console: AppFactory, database_url: str) -> None:
    server = start_server(database_url)
    store = open_store(database_url)
    remote = RemoteScheduler(store, read_only=True)
    remote.start()
    try:
        app = console(remote, embedded=False, clock=None, read_only=True)
        async with app.run_test(size=(120, 40)) as pilot:
            upcoming = app.query_one(UpcomingTable)
            await until(pilot, lambda: "nightly" in [str(getattr(key, "value", key)) for key in upcoming.rows])
            footer_keys = {binding.binding.key for binding in app.screen.active_bindings.values() if binding.enabled}
            assert "t" not in footer_keys and "p" not in footer_keys
            select(upcoming, "nightly")
            await pilot.press("t", "p")
            await settle(pilot)
            assert "READ-ONLY" in str(app.screen.query_one("#header").render())
            await pilot.press("q")
            await settle(pilot)
        refused = remote.trigger("nightly")
        assert not refused.ok and "read-only" in refused.message
        assert remote.snapshot().jobs and all(job.running_run_id is None for job in remote.snapshot().jobs)
    finally:
        remote.close()
        store.close()
        stop_server(server)
