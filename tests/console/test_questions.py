"""Questions that tell the truth: counted at the moment of the key, kept true while open, closed
by themselves when what they ask about is gone."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from textual.pilot import Pilot

from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.header import HeaderBar
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.running import RunningTable
from jobconsole.console.stopping import StoppingScreen
from jobconsole.runs import RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import FROZEN_NOW, SeededScheduler
from .test_keys import notifications, select


def question(pilot: Pilot) -> str:
    """The open question's words, as the operator reads them."""
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmModal), f"no question is open ({type(screen).__name__} is)"
    return str(screen.query_one("#confirm-question").render())


def header(pilot: Pilot) -> str:
    return pilot.app.query_one(HeaderBar).render().plain


async def test_q_counts_the_runs_started_since_the_last_refresh(console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    app = console(scheduler)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "0 running" in header(pilot)
        # Two runs start between two refreshes (the timer's next one is an hour away here).
        scheduler.trigger("import_vendor_feed")
        scheduler.trigger("flaky_report")
        await pilot.press("q")
        await settle(pilot)
        assert question(pilot).startswith("2 runs are in progress. Quit and stop them?")
        assert "2 running" in header(pilot)
        assert not scheduler.shut_down.is_set()


async def test_the_quit_question_follows_the_runs_and_quits_once_none_is_left(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    first, second = (run.run_id for run in seeded.snapshot().running)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert question(pilot).startswith("2 runs are in progress.")
        seeded.finish_run(first, RunStatus.SUCCEEDED)
        app.refresh_now()
        await settle(pilot)
        assert question(pilot).startswith("1 run is in progress.")
        assert not seeded.shut_down.is_set()
        seeded.finish_run(second, RunStatus.SUCCEEDED)
        app.refresh_now()
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert ("information", "The runs in progress have ended: quitting.") in notifications(pilot)
        # Shut down as a quit without runs in progress is (inside: leaving the test's app shuts down too).
        assert seeded.shut_down.is_set()
    assert seeded.records[first].status is RunStatus.SUCCEEDED
    assert seeded.records[second].status is RunStatus.SUCCEEDED


async def test_n_on_the_quit_question_keeps_the_console_and_the_question_stays_closed(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        for run in seeded.snapshot().running:
            seeded.finish_run(run.run_id, RunStatus.SUCCEEDED)
        app.refresh_now()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert not seeded.shut_down.is_set()


async def test_the_stop_question_closes_by_itself_when_its_run_ends(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    run = seeded.snapshot().running[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(RunningTable), str(run.run_id))
        await pilot.press("s")
        await settle(pilot)
        assert question(pilot).startswith(f"Stop run #{run.run_id} of {run.job_name}?")
        seeded.finish_run(run.run_id, RunStatus.SUCCEEDED)
        app.refresh_now()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert (
            "warning",
            f"Run #{run.run_id} of {run.job_name} ended before you answered: nothing to stop.",
        ) in notifications(pilot)
        # y, meant for the question, reaches no question: nothing is stopped.
        await pilot.press("y")
        await settle(pilot)
        assert seeded.stopped == []


async def test_s_on_a_run_that_ended_since_the_last_refresh_asks_nothing(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    run = seeded.snapshot().running[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(RunningTable), str(run.run_id))
        seeded.finish_run(run.run_id, RunStatus.SUCCEEDED)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert ("warning", f"Run #{run.run_id} has already ended: nothing to stop.") in notifications(pilot)
        assert str(run.run_id) not in app.query_one(RunningTable).rows


# --- the box while stopping ------------------------------------------------------------------


def stopping_box(pilot: Pilot) -> str:
    screen = pilot.app.screen
    assert isinstance(screen, StoppingScreen), f"no stopping box ({type(screen).__name__} is shown)"
    return str(screen.query_one("#stopping-text").render())


async def test_stopping_counts_down_the_grace_and_names_the_runs_it_waits_for(console: AppFactory) -> None:
    seeded = SeededScheduler()
    seeded.shutdown_gate = threading.Event()
    moments = [FROZEN_NOW]
    app = console(seeded, clock=lambda: moments[-1])
    first, second = seeded.snapshot().running
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("q")
            await settle(pilot)
            await pilot.press("y")
            assert await asyncio.to_thread(seeded.stopping.wait, 10)
            app.refresh_now()
            await pilot.pause()
            assert stopping_box(pilot) == (
                "Stopping the scheduler…\n"
                f"Waiting for 2 runs in progress to stop: {first.job_name} #{first.run_id}, "
                f"{second.job_name} #{second.run_id}.\n"
                "At most 10s more; then they are recorded stopped."
            )
            seeded.finish_run(first.run_id, RunStatus.STOPPED)
            moments.append(FROZEN_NOW + timedelta(seconds=6.5))
            app.refresh_now()
            await pilot.pause()
            assert stopping_box(pilot).splitlines()[1:] == [
                f"Waiting for 1 run in progress to stop: {second.job_name} #{second.run_id}.",
                "At most 4s more; then they are recorded stopped.",
            ]
            await pilot.press("q")
            assert notifications(pilot)[-1] == (
                "information",
                "Already quitting: the box says what the scheduler is waiting for.",
            )
            seeded.shutdown_gate.set()
            await settle(pilot)
            assert seeded.shut_down.is_set()
    finally:
        seeded.shutdown_gate.set()
