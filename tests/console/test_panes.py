"""Moving between the panes: Tab walks the same three whatever they hold, and the focused one shows."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widget import Widget

from jobconsole.console.main_screen import MainScreen
from jobconsole.console.panes import EmptyState
from jobconsole.runs import RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_keys import notifications


def focused_pane(pilot: Pilot) -> str:
    """The pane that has the focus, by its id."""
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    (pane,) = [pane for pane in screen.panes if pane.has_focus_within]
    return str(pane.id)


def looks_focused(pane: Widget) -> bool:
    """Without colour too: a heavy top rule and the title in reverse."""
    return pane.styles.border_top[0] == "heavy" and "reverse" in str(pane.styles.border_title_style)


async def test_tab_walks_upcoming_running_history_even_with_nothing_running(console: AppFactory) -> None:
    app = console(SeededScheduler(running_fractions=()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = [focused_pane(pilot)]
        for _ in range(3):
            await pilot.press("tab")
            seen.append(focused_pane(pilot))
        assert seen == ["upcoming", "running", "history", "upcoming"]
        for _ in range(3):
            await pilot.press("shift+tab")
            seen.append(focused_pane(pilot))
        assert seen[4:] == ["history", "running", "upcoming"]


async def test_the_empty_running_pane_shows_its_focus_and_t_there_names_no_job(console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    app = console(scheduler)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("tab")
        assert isinstance(app.focused, EmptyState)
        assert looks_focused(screen.running)
        assert not looks_focused(screen.upcoming) and not looks_focused(screen.history)
        await pilot.press("t")
        await settle(pilot)
        assert scheduler.triggered == []
        assert notifications(pilot)[-1][0] == "warning"


async def test_the_running_pane_keeps_the_focus_when_its_last_run_ends(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert focused_pane(pilot) == "running"
        for run in seeded.snapshot().running:
            seeded.finish_run(run.run_id, RunStatus.SUCCEEDED)
        app.refresh_now()
        await settle(pilot)
        assert focused_pane(pilot) == "running" and isinstance(app.focused, EmptyState)
        await pilot.press("tab")
        assert focused_pane(pilot) == "history"
