"""The box shown from the quit until the console exits: what the shutdown waits for, and how long at most."""

from __future__ import annotations

import math
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from jobconsole.console.sanitize import strip_control
from jobconsole.humanize import limit
from jobconsole.interface import EngineSnapshot

SHOWN_BY_NAME = 3
"""Runs named in the box; more are counted."""


def stopping_text(snapshot: EngineSnapshot | None, now: datetime) -> str:
    """What the shutdown waits for, in words: the runs still in progress and the time left of the grace."""
    lines = ["Stopping the scheduler…"]
    running = snapshot.running if snapshot is not None else ()
    if not running:
        lines.append("No run in progress; writing the last records.")
        return "\n".join(lines)
    runs = "1 run" if len(running) == 1 else f"{len(running)} runs"
    names = ", ".join(f"{strip_control(run.job_name)} #{run.run_id}" for run in running[:SHOWN_BY_NAME])
    more = f" and {len(running) - SHOWN_BY_NAME} more" if len(running) > SHOWN_BY_NAME else ""
    lines.append(f"Waiting for {runs} in progress to stop: {names}{more}.")
    deadline = snapshot.shutdown_deadline if snapshot is not None else None
    if deadline is not None:
        left = (deadline - now).total_seconds()
        if left > 0:
            lines.append(f"At most {limit(math.ceil(left))} more; then they are recorded stopped.")
        else:
            lines.append("Time is up: they are being recorded stopped.")
    return "\n".join(lines)


class StoppingScreen(ModalScreen[None]):
    """The console is on its way out: each refresh updates the box; q says it is already quitting."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="stopping_quit", show=False, tooltip="Already quitting: says so"),
    ]

    def __init__(self, snapshot: EngineSnapshot | None, now: datetime) -> None:
        super().__init__()
        self._text = stopping_text(snapshot, now)

    def compose(self) -> ComposeResult:
        with Vertical(id="stopping-box"):
            yield Static(Text(self._text), id="stopping-text")

    @property
    def text(self) -> str:
        return self._text

    def show(self, snapshot: EngineSnapshot | None, now: datetime) -> None:
        text = stopping_text(snapshot, now)
        if text == self._text:
            return
        self._text = text
        if self.is_mounted:
            self.query_one("#stopping-text", Static).update(Text(text))
