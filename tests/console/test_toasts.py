"""Notifications cover neither a question's buttons nor History's rows."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from textual.geometry import Region
from textual.pilot import Pilot

from jobconsole.console import toasts
from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.running import RunningTable

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler

SAID = (
    "started import_vendor_feed as run #301",
    "Cannot read the scheduler's state: connection refused by db.internal:5432",
    "stopping run #300 (scrape_mep_meetings); SIGTERM in 10 s if it is still running",
    "Run #299 has already ended: nothing to stop.",
)


def toast_regions(pilot: Pilot) -> list[Region]:
    return [toast.region for toast in pilot.app.screen.query("Toast")]


async def say_everything(pilot: Pilot) -> None:
    for message in SAID:
        pilot.app.notify(message, markup=False)
    await settle(pilot)


def test_textual_is_the_version_the_toasts_were_written_against() -> None:
    assert version("textual") == toasts.TEXTUAL_VERSION


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
async def test_notifications_stay_off_history_s_rows(
    console: AppFactory, seeded: SeededScheduler, size: tuple[int, int]
) -> None:
    app = console(seeded)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await say_everything(pilot)
        shown = toast_regions(pilot)
        assert shown, "no notification is on screen"
        history = app.query_one("#history").region
        assert not [region for region in shown if region.overlaps(history)]
        # The newest is the one kept on screen.
        assert str(app.screen.query("Toast").last().render()) == SAID[-1]


@pytest.mark.parametrize("size", [(80, 24), (60, 15)], ids=["80x24", "60x15"])
async def test_notifications_stay_off_the_stop_question_s_buttons(
    console: AppFactory, seeded: SeededScheduler, size: tuple[int, int]
) -> None:
    app = console(seeded)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await say_everything(pilot)  # before the question
        await pilot.press("tab")  # to Running
        assert isinstance(app.focused, RunningTable)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await say_everything(pilot)  # while it is open
        shown = toast_regions(pilot)
        assert shown, "no notification is on screen"
        buttons = [button.region for button in app.screen.query("Button")]
        assert not [toast for toast in shown for button in buttons if toast.overlaps(button)]
