"""The Running pane: runs in progress with elapsed time and a timeout bar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from jobconsole.console.formatting import (
    ACTIVE_STATE_WORDS,
    Palette,
    format_elapsed,
    format_time,
    format_timeout,
    live_state_words,
    plain,
    timeout_bar,
)
from jobconsole.console.job_stats import duration_cell
from jobconsole.console.panes import EmptyState
from jobconsole.console.run_table import RunRef, RunTable
from jobconsole.console.sync_table import ColumnSpec
from jobconsole.interface import LiveRunView, LiveState
from jobconsole.runs import RunStatus

NOTHING_RUNNING = "Nothing running. Select a job in Upcoming and press t to run it now."


class RunningTable(RunTable):
    COLUMNS = (
        ColumnSpec("job", "Job", 14, wide_width=22),
        ColumnSpec("run", "Run", 8, wide_width=9),
        ColumnSpec("mode", "Mode", 7, wide_only=True),
        ColumnSpec("started", "Started", 9, wide_only=True),
        ColumnSpec("elapsed", "Elapsed", 8),
        ColumnSpec("bar", "Timeout", 12, wide_width=16),
        ColumnSpec("limit", "Limit", 6, wide_only=True),
        ColumnSpec("state", "State", 24, wide_width=26, flex=True, max_width=40),
    )


def bar_width(column_width: int) -> int:
    """The bar's share of its column; the rest is the percentage."""
    return max(3, column_width - 5)


class RunningPane(Vertical):
    """Runs in progress, oldest first."""

    BORDER_TITLE = "Running"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._runs: tuple[LiveRunView, ...] = ()
        self._now: datetime | None = None
        self._palette = Palette({})

    def compose(self) -> ComposeResult:
        yield RunningTable(id="running-table")
        yield EmptyState(Text(NOTHING_RUNNING), id="running-empty", classes="empty-state")

    @property
    def table(self) -> RunningTable:
        return self.query_one(RunningTable)

    def show(self, runs: Sequence[LiveRunView], now: datetime, palette: Palette) -> None:
        self._runs, self._now, self._palette = runs, now, palette
        self.set_class(not runs, "-empty")
        table = self.table
        table.runs = {str(run.run_id): RunRef(run.run_id, run.job_name, RunStatus.RUNNING) for run in runs}
        table.sync([(str(run.run_id), self._cells(run, now, table.wide)) for run in runs])

    def on_sync_table_layout_changed(self) -> None:
        if self._now is not None:
            self.show(self._runs, self._now, self._palette)

    def _cells(self, run: LiveRunView, now: datetime, wide: bool) -> dict[str, Text]:
        palette = self._palette
        elapsed = (now - run.started_at).total_seconds()
        timeout = (run.deadline - run.started_at).total_seconds()
        fraction = elapsed / timeout if timeout > 0 else 1.0
        tone = ACTIVE_STATE_WORDS[run.state][1]
        words = live_state_words(run.state, run.next_step, run.next_step_at, now)
        symbol = "▶ " if run.state is LiveState.RUNNING else ""
        width = self.table.column_width("bar") or 14
        return {
            "job": plain(run.job_name, style="bold"),
            "run": plain(f"#{run.run_id}"),
            "mode": plain(run.run_mode.value),
            "started": plain(format_time(run.started_at, now)),
            "elapsed": duration_cell(self, run.job_name, elapsed, format_elapsed(elapsed), palette),
            "bar": timeout_bar(fraction, bar_width(width), palette, over_by=elapsed - timeout),
            "limit": plain(format_timeout(timeout)),
            "state": plain(f"{symbol}{words}", style=palette.tone(tone)),
        }
