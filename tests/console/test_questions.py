"""Questions that tell the truth: counted at the moment of the key, kept true while open, closed
by themselves when what they ask about is gone."""

from __future__ import annotations

from textual.pilot import Pilot

from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.header import HeaderBar
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.running import RunningTable
from jobconsole.runs import RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
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
    # Shut down as a quit without runs in progress is: nothing was left to stop.
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
