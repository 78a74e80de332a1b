"""The help screen: every key, grouped by where it works, and what the symbols mean."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from jobconsole.console.formatting import STATUS_LOOKS, Palette

KeyGroup = tuple[str, Sequence[Binding]]


class HelpScreen(Screen[None]):
    """Built from the bindings themselves, so it cannot drift from what the keys do."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help_close", tooltip="Close the help"),
        Binding("question_mark", "close", "Close", id="help_toggle", show=False, tooltip="Close the help"),
    ]

    def __init__(self, groups: Sequence[KeyGroup], palette: Palette) -> None:
        super().__init__()
        self._groups = groups
        self._palette = palette

    def compose(self) -> ComposeResult:
        yield Static(Text(" Keys · esc to close", style="bold"), id="help-title")
        boxes = [self._group(title, bindings) for title, bindings in self._groups]
        # The legend goes before the last group, which keeps the two columns about as tall.
        boxes.insert(max(len(boxes) - 1, 0), self._legend())
        with VerticalScroll(id="help-scroll"), Horizontal(id="help-columns"):
            # Two columns, filled alternately, so related groups sit side by side.
            with Vertical(classes="help-column"):
                yield from boxes[0::2]
            with Vertical(classes="help-column"):
                yield from boxes[1::2]
        # On a small terminal the help scrolls; this line says so, and where the rest is.
        yield Static(Text(""), id="help-more")
        yield Footer()

    def on_mount(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.focus()
        self.watch(scroll, "scroll_y", self._say_more, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_more)

    def _say_more(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        more = self.query_one("#help-more", Static)
        if scroll.max_scroll_y <= 0:
            more.display = False
            return
        more.display = True
        if scroll.scroll_y < scroll.max_scroll_y:
            more.update(Text(" ↓ more below: ↓ pgdn end", style="bold"))
        else:
            more.update(Text(" ↑ more above: ↑ pgup home", style="bold"))

    def _group(self, title: str, bindings: Sequence[Binding]) -> Static:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column()
        for binding in bindings:
            if binding.system:
                continue
            table.add_row(Text(self.app.get_key_display(binding)), Text(binding.tooltip or binding.description))
        return Static(
            Group(Text(title, style=self._palette.tone("accent") + Style(bold=True)), table), classes="help-group"
        )

    def _legend(self) -> Static:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column()
        for look in STATUS_LOOKS.values():
            table.add_row(Text(look.symbol, style=self._palette.tone(look.tone)), Text(look.word))
        table.add_row(Text("▲", style=self._palette.tone("warning")), Text("slow: over 2× the job's p95"))
        table.add_row(Text("█", style=self._palette.bars["warning"]), Text("timeout bar: 75 % used"))
        table.add_row(Text("█", style=self._palette.bars["error"]), Text("timeout bar: 90 % used"))
        table.add_row(Text("failures/24h"), Text("runs failed, timed out or abandoned in the last 24 hours"))
        return Static(
            Group(Text("Symbols", style=self._palette.tone("accent") + Style(bold=True)), table), classes="help-group"
        )

    def action_close(self) -> None:
        self.dismiss()
