"""Few notifications at once, the newest: they sit top right under the header (console.tcss), and
together take at most the top third of the screen, so they never grow down over a question's buttons
(at the bottom of a box in the middle) nor, with the usual Upcoming pane, over History's rows.

Written against Textual 8.2.8, whose App keeps its notifications in the private ``_notifications``
and forgets one with ``_unnotify``, and whose toasts are 60 columns wide at most, half the screen's
width at most; tests/console/test_toasts.py fails when the version changes.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.notifications import Notification

TEXTUAL_VERSION = "8.2.8"

SHOWN = 3
"""Notifications on screen at once, at most."""


def toast_rows(notification: Notification, screen_width: int) -> int:
    """The rows a notification's toast takes: its text word-wrapped (a column to spare for rounding),
    padding 0 1 and a border of 1 at the left."""
    text_width = max(1, min(60, screen_width // 2) - 4)
    lines = Text(notification.message).wrap(_MEASURE, text_width)
    return max(1, len(lines)) + (1 if notification.title else 0)


_MEASURE = Console(width=200, color_system=None, legacy_windows=False)
"""Only wraps text for :func:`toast_rows`; never prints."""


def keep_newest(app: App[object]) -> None:
    """Forget the older notifications that would take the toasts below the top third of the screen
    (the newest is always shown); the toasts are drawn again."""
    width, height = app.size
    budget = height // 3
    used = shown = 0
    for notification in reversed(list(app._notifications)):
        rows = toast_rows(notification, width)
        if shown and (shown >= SHOWN or used + rows > budget):
            app._unnotify(notification)
            continue
        shown += 1
        used += rows
