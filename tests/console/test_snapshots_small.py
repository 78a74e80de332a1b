"""Small and usual terminals, pinned as SVG snapshots: one pane at a time at 60x15, the help that scrolls
and says so, the focus on an empty pane, the box while stopping. Deterministic as test_snapshots.py is."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_snapshots import after


def test_main_screen_60x15_one_pane(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(60, 15), run_before=after())


def test_running_pane_60x15(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(60, 15), run_before=after("tab"))


def test_history_pane_60x15(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(60, 15), run_before=after("tab", "tab"))


def test_help_60x15(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(60, 15), run_before=after("question_mark"))


def test_help_80x24_at_its_end(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=after("question_mark", "end"))


def test_empty_running_pane_focused_80x24(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    assert snap_compare(console(scheduler), terminal_size=(80, 24), run_before=after("tab"))


def test_stopping_box_80x24(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    scheduler = SeededScheduler()
    scheduler.shutdown_gate = threading.Event()  # the shutdown waits, as for runs that have not stopped yet
    app = console(scheduler)
    exit_app = app.exit

    def exit_after_the_picture(result: Any = None, *args: Any, **kwargs: Any) -> None:
        if result is None:
            return  # the console's own exit at the end of its shutdown: the picture's exit comes first
        assert scheduler.shutdown_gate is not None
        scheduler.shutdown_gate.set()  # the picture is taken: the shutdown may end
        exit_app(result, *args, **kwargs)

    app.exit = exit_after_the_picture  # type: ignore[method-assign]

    async def stop(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        await pilot.press("y")
        assert await asyncio.to_thread(scheduler.stopping.wait, 10)
        app.refresh_now()
        await pilot.pause()

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=stop)
    finally:
        scheduler.shutdown_gate.set()
