"""Moving between the three panes: the order Tab walks, and the widget that holds a pane's focus.

Tab always walks Upcoming → Running → History → Upcoming, whatever they hold: an empty pane
takes the focus on its message ("Nothing running…"), as htop's and k9s's views do, so the
same number of presses always brings the operator back where they were.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Static

from jobconsole.console.sync_table import SyncTable


class EmptyState(Static, can_focus=True):
    """A pane's message while it has nothing to list; it holds the pane's focus meanwhile."""


def focus_target(pane: Widget) -> Widget:
    """The pane's table, or its message while it is empty."""
    if pane.has_class("-empty"):
        return pane.query_one(EmptyState)
    return pane.query_one(SyncTable)


def pane_of(widget: Widget | None, panes: tuple[Widget, ...]) -> Widget | None:
    """The pane ``widget`` is in, if any."""
    if widget is None:
        return None
    return next((pane for pane in panes if pane is widget or pane in widget.ancestors), None)
