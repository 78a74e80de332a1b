"""The line that stands for the hidden panes when the main screen shows one at a time (a small terminal)."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

PANE_NAMES = {"upcoming": "Upcoming", "running": "Running", "history": "History"}
"""By pane id, in the order Tab walks them."""


class PaneTabs(Widget):
    """`` Upcoming 6 │ Running 2 │ History   tab: next pane  ? help``, the shown pane in reverse (read without
    colour too). 58 columns: it fits where the footer loses its last keys."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[str, tuple[int | None, ...]] = ("upcoming", (None, None, None))

    def show(self, current: str, counts: tuple[int | None, ...]) -> None:
        """``current``: the shown pane's id; ``counts``: what each pane holds, in order (None: not counted)."""
        shown = (current, counts)
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def render(self) -> Text:
        current, counts = self._shown
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for index, (pane, name) in enumerate(PANE_NAMES.items()):
            if index:
                line.append("│", style="dim")
            count = counts[index] if index < len(counts) else None
            label = f" {name} {count} " if count is not None else f" {name} "
            line.append(label, style=Style(reverse=True, bold=True) if pane == current else "")
        line.append("  tab: next pane  ? help", style="dim")
        return line
