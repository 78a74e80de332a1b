"""Handing the result of a thread worker back to the app's thread."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from textual.app import App
from textual.worker import get_current_worker


def deliver(app: App[object], callback: Callable[[], object]) -> None:
    """Run ``callback`` on the app's thread, unless the worker was cancelled or the app has closed."""
    if get_current_worker().is_cancelled:
        return
    # RuntimeError: the app closed while the worker ran, and nobody is left to show the result to.
    with suppress(RuntimeError):
        app.call_from_thread(callback)
