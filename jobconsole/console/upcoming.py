"""The Upcoming pane: every job, sorted by next run, with its recent outcomes."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from jobconsole.console.formatting import (
    Palette,
    format_countdown,
    format_time,
    format_timeout,
    plain,
    status_text,
    trail_text,
)
from jobconsole.console.sync_table import ColumnSpec, SyncTable
from jobconsole.interface import JobView
from jobconsole.runs import RunMode

NO_JOBS = "No jobs registered: pass --jobs MODULE; see README."


class UpcomingTable(SyncTable):
    COLUMNS = (
        ColumnSpec("job", "Job", 16, wide_width=24, flex=True, max_width=40),
        ColumnSpec("schedule", "Every", 15, wide_width=22, wide_label="Schedule"),
        ColumnSpec("next", "Next run", 10, wide_width=20),
        ColumnSpec("last", "Last", 11, wide_width=12),
        ColumnSpec("mode", "Mode", 8, wide_width=7),
        ColumnSpec("timeout", "Timeout", 7, wide_only=True),
        ColumnSpec("trail", "Recent", 6, wide_width=10),
    )


class UpcomingPane(Vertical):
    """Jobs in the order they will run next."""

    BORDER_TITLE = "Upcoming"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._jobs: tuple[JobView, ...] = ()
        self._now: datetime | None = None
        self._palette = Palette({})
        self._steady: dict[tuple[JobView, bool], dict[str, Text]] = {}
        """Each job's cells but its next run, as last shown, by the job's view and the layout."""

    def compose(self) -> ComposeResult:
        yield UpcomingTable(id="upcoming-table")
        yield Static(Text(NO_JOBS), id="upcoming-empty", classes="empty-state")

    @property
    def table(self) -> UpcomingTable:
        return self.query_one(UpcomingTable)

    def show(self, jobs: tuple[JobView, ...], now: datetime, palette: Palette) -> None:
        """Show ``jobs``; from one second to the next only the countdowns are made again."""
        if palette is not self._palette:
            self._steady = {}
        self._jobs, self._now, self._palette = jobs, now, palette
        self.set_class(not jobs, "-empty")
        table = self.table
        wide = table.wide
        # Kept for the jobs shown now only: a job whose view changed gets new cells.
        known, self._steady = self._steady, {}
        rows = []
        for job in jobs:
            steady = known.get((job, wide)) or self._steady_cells(job, wide)
            self._steady[job, wide] = steady
            rows.append((job.name, {**steady, "next": self._next_run_cell(job, now, wide)}))
        table.sync(rows)

    def on_sync_table_layout_changed(self, message: SyncTable.LayoutChanged) -> None:
        if self._now is not None:
            self.show(self._jobs, self._now, self._palette)

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
        if wide:
            mode = job.run_mode.value
        else:
            mode = f"{'proc' if job.run_mode is RunMode.PROCESS else 'thr'} {format_timeout(job.timeout_seconds)}"
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
