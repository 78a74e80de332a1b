"""The Upcoming pane: every job, sorted by next run, with its recent outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message

from jobconsole.console.formatting import (
    Palette,
    format_countdown,
    format_time,
    format_timeout,
    plain,
    status_text,
    trail_text,
)
from jobconsole.console.panes import EmptyState
from jobconsole.console.sync_table import ColumnSpec, SyncTable
from jobconsole.interface import JobView
from jobconsole.runs import RunMode

NO_JOBS = "No jobs registered: pass --jobs MODULE; see README."


class _Steady(NamedTuple):
    """A job's cells but its next run, and what they were made from."""

    job: JobView
    wide: bool
    cells: dict[str, Text]


class _Countdown(NamedTuple):
    """A job's next-run cell, and what it was made from."""

    next_run: datetime | None
    wide: bool
    now: datetime
    cell: Text


class UpcomingTable(SyncTable):
    COLUMNS = (
        ColumnSpec("job", "Job", 16, wide_width=24, flex=True, max_width=40),
        ColumnSpec("schedule", "Every", 15, wide_width=22, wide_label="Schedule"),
        ColumnSpec("next", "Next run", 10, wide_width=20),
        ColumnSpec("last", "Last", 11, wide_width=12, wide_only=True),
        ColumnSpec("mode", "Mode", 4, wide_width=7, from_width=66),
        ColumnSpec("timeout", "Timeout", 7),
        ColumnSpec("trail", "Recent", 6, wide_width=10, from_width=72),
    )
    BINDINGS = [
        Binding(
            "enter", "open_job", "Job", id="open_job", tooltip="Open the job: next runs, durations, last runs"
        ),
    ]

    class JobRequested(Message):
        def __init__(self, job_name: str) -> None:
            super().__init__()
            self.job_name = job_name

    def action_open_job(self) -> None:
        job_name = self.selected_key
        if job_name is None:
            self.notify("No job selected: move to a job first.", severity="warning", markup=False)
            return
        self.post_message(self.JobRequested(job_name))


class UpcomingPane(Vertical):
    """Jobs in the order they will run next."""

    BORDER_TITLE = "Upcoming"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._jobs: tuple[JobView, ...] = ()
        self._now: datetime | None = None
        self._palette = Palette({})
        self._steady: dict[str, _Steady] = {}
        """Each job's cells but its next run, as last shown, by job name."""
        self._countdowns: dict[str, _Countdown] = {}
        """Each job's next-run cell as last made, by job name."""

    def compose(self) -> ComposeResult:
        yield UpcomingTable(id="upcoming-table")
        yield EmptyState(Text(NO_JOBS), id="upcoming-empty", classes="empty-state")

    @property
    def table(self) -> UpcomingTable:
        return self.query_one(UpcomingTable)

    def on_mount(self) -> None:
        # Rows scrolled into view get the countdowns of the last refresh (see show).
        self.watch(self.table, "scroll_y", self._show_again, init=False)

    def show(self, jobs: tuple[JobView, ...], now: datetime, palette: Palette) -> None:
        """Show ``jobs``; from one second to the next only the countdowns on screen are made again.

        With a hundred jobs the countdowns are most of a refresh's work, and a key pressed
        meanwhile waits: a row off screen keeps its countdown until it is scrolled into view.
        """
        if palette is not self._palette:
            self._steady = {}
        self._jobs, self._now, self._palette = jobs, now, palette
        self.set_class(not jobs, "-empty")
        table = self.table
        wide = table.wide
        on_screen = table.rows_on_screen()
        # Kept for the jobs shown now only: a job whose view changed gets new cells.
        known, self._steady = self._steady, {}
        made, self._countdowns = self._countdowns, {}
        rows = []
        for index, job in enumerate(jobs):
            steady = known.get(job.name)
            # The engine hands over the same view while a job's is unchanged (equal is as good).
            if steady is None or steady.wide != wide or (steady.job is not job and steady.job != job):
                steady = _Steady(job, wide, self._steady_cells(job, wide))
            self._steady[job.name] = steady
            if job.paused:
                rows.append((job.name, {**steady.cells, "next": plain("‖ paused", style=self._palette.tone("warning"))}))
                continue
            countdown = made.get(job.name)
            if (
                countdown is None
                or countdown.next_run != job.next_run
                or countdown.wide != wide
                or (index in on_screen and countdown.now != now)
            ):
                countdown = _Countdown(job.next_run, wide, now, self._next_run_cell(job, now, wide))
            self._countdowns[job.name] = countdown
            rows.append((job.name, {**steady.cells, "next": countdown.cell}))
        table.sync(rows)

    def _show_again(self) -> None:
        if self._now is not None:
            self.show(self._jobs, self._now, self._palette)

    def on_sync_table_layout_changed(self, message: SyncTable.LayoutChanged) -> None:
        self._show_again()

    def selected_job(self) -> str | None:
        return self.table.selected_key

    def _next_run_cell(self, job: JobView, now: datetime, wide: bool) -> Text:
        countdown = format_countdown(job.next_run, now)
        return plain(f"{format_time(job.next_run, now)} {countdown}" if wide and job.next_run else countdown)

    def _steady_cells(self, job: JobView, wide: bool) -> dict[str, Text]:
        """The cells that change only when the job's view does (its next run aside)."""
        palette = self._palette
        schedule = job.schedule
        if not wide and schedule.startswith("every "):
            # The narrow layout's column is headed "Every", so the cell says "10 minutes".
            schedule = schedule[len("every ") :]
        mode = job.run_mode.value if wide else ("proc" if job.run_mode is RunMode.PROCESS else "thr")
        name = plain(job.name, style="bold")
        if job.running_run_id is not None:
            name = Text.assemble(("▶ ", palette.tone("running")), name, no_wrap=True, overflow="ellipsis", end="")
        return {
            "job": name,
            "schedule": plain(schedule),
            "last": status_text(job.last_status, palette),
            "mode": plain(mode, style=palette.tone("muted") if job.run_mode is RunMode.THREAD else ""),
            "timeout": plain(format_timeout(job.timeout_seconds)),
            "trail": trail_text(job.recent, palette, width=10 if wide else 6),
        }
