"""Small terminals: below 20 rows one pane at a time, whole, with a line saying how to switch; the help
scrolls and says where the rest is."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widget import Widget

from jobconsole.console.help import HelpScreen
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.pane_tabs import PaneTabs
from jobconsole.console.running import RunningTable
from jobconsole.console.upcoming import UpcomingTable

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler


def shown_panes(pilot: Pilot) -> list[str]:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return [str(pane.id) for pane in screen.panes if pane.display and pane.region.height]


def rows_in_view(table: Widget) -> int:
    """Table rows the operator can see (the header row aside)."""
    return min(table.row_count, table.scrollable_content_region.height - 1)  # type: ignore[attr-defined]


async def test_at_60x15_one_pane_at_a_time_whole_and_tab_switches(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(pilot)
        tabs = app.query_one(PaneTabs)
        assert "tab: next pane" in tabs.render().plain
        assert shown_panes(pilot) == ["upcoming"]
        upcoming = app.query_one(UpcomingTable)
        assert rows_in_view(upcoming) == len(seeded.jobs) == 6
        await pilot.press("tab")
        assert shown_panes(pilot) == ["running"]
        assert rows_in_view(app.query_one(RunningTable)) == len(seeded.snapshot().running)
        await pilot.press("tab")
        assert shown_panes(pilot) == ["history"]
        assert rows_in_view(app.query_one("#history-table")) >= 9
        await pilot.press("tab")
        assert shown_panes(pilot) == ["upcoming"]
        await pilot.press("shift+tab")
        assert shown_panes(pilot) == ["history"]


async def test_at_80x24_the_three_panes_show_together(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_panes(pilot) == ["upcoming", "running", "history"]
        assert not app.query_one(PaneTabs).display


async def test_shrinking_the_terminal_keeps_the_focused_pane_in_view(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab")
        await pilot.resize_terminal(60, 15)
        await settle(pilot)
        assert shown_panes(pilot) == ["history"]
        await pilot.resize_terminal(160, 50)
        await settle(pilot)
        assert shown_panes(pilot) == ["upcoming", "running", "history"]


async def test_the_help_at_80x24_says_there_is_more_and_reaches_every_section(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        more = app.screen.query_one("#help-more")
        assert more.display and str(more.render()).startswith(" ↓ more below")
        await pilot.press("end")
        await settle(pilot)
        assert str(more.render()).startswith(" ↑ more above")
        scroll = app.screen.query_one("#help-scroll").region
        lowest = max((group.region for group in app.screen.query(".help-group")), key=lambda region: region.bottom)
        assert scroll.contains_region(lowest), "the lowest section is still out of view"


async def test_the_help_at_160x50_fits_and_says_nothing_more(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert not app.screen.query_one("#help-more").display
