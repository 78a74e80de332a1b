"""The job view: one job's schedule, next due times, success rate, durations and last runs.

Opened with enter on a job in Upcoming. What the snapshot holds (schedule,
mode, paused, the run in progress) is drawn at each refresh of the app; the
next due times, the statistics and the last runs are asked of the scheduler in
a thread worker when the screen opens and again whenever the job's view in the
snapshot changes (it ran, it was paused, its next run moved), never otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Sparkline, Static

from jobconsole.console import job_summary
from jobconsole.console.formatting import (
    Palette,
    format_timestamp,
    outcome_text,
    plain,
    status_text,
    took_text,
)
from jobconsole.console.job_stats import JobStatsCache, duration_cell
from jobconsole.console.run_table import RunRef, RunTable
from jobconsole.console.sanitize import strip_control
from jobconsole.console.sync_table import ColumnSpec
from jobconsole.console.workers import deliver
from jobconsole.interface import (
    EngineSnapshot,
    JobView,
    LiveRunView,
    SchedulerInterface,
)
from jobconsole.runs import HistoryQuery, JobStats, RunRecord

if TYPE_CHECKING:
    from jobconsole.console.app import JobConsoleApp

RUNS_SHOWN = 50
"""The last runs listed: more than a tall terminal shows, one query on the job's index."""

STATS_OVER = 100
"""Finished runs the success rate, the percentiles and the trend are made of."""


class JobRunsTable(RunTable):
    """The job's last runs; enter opens one. Stopping is done from Running, where every run in progress is."""

    COLUMNS = (
        ColumnSpec("status", "Status", 11, wide_width=12),
        ColumnSpec("run", "Run", 7, wide_width=9),
        ColumnSpec("triggered", "Triggered", 9, wide_only=True),
        ColumnSpec("started", "Started", 11),
        ColumnSpec("duration", "Took", 7, wide_width=9),
        ColumnSpec("error", "Error / message", 10, flex=True),
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "stop_run"


@dataclass(frozen=True)
class _Loaded:
    """What one trip to the scheduler brought back; None where the database could not be read."""

    due: tuple[datetime, ...]
    stats: JobStats | None
    runs: tuple[RunRecord, ...] | None
    error: Exception | None


class JobScreen(Screen[None]):
    """One job in full; esc goes back, t runs it now, enter opens one of its runs."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="job_back", tooltip="Back to the main screen"),
        Binding("t", "trigger", "Trigger", id="job_trigger", tooltip="Run this job now"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    """A tall terminal draws the duration trend taller."""

    app: JobConsoleApp

    def __init__(
        self,
        scheduler: SchedulerInterface,
        job_name: str,
        *,
        clock: Callable[[], datetime],
        palette: Palette,
        stats: JobStatsCache,
        retry_seconds: float = 5.0,
    ) -> None:
        super().__init__()
        self._scheduler = scheduler
        self.job_name = job_name
        self._clock = clock
        self._palette = palette
        self._stats_cache = stats
        self.retry_seconds = retry_seconds
        self._snapshot: EngineSnapshot | None = None
        self.job: JobView | None = None
        """The job as the last snapshot shows it (None: not in it)."""
        self._loaded_for: tuple[object, ...] | None = None
        """The job's view (and whether every record was written) the data on show was asked for."""
        self.due: tuple[datetime, ...] = ()
        self.stats: JobStats | None = stats.get(job_name)
        self.runs: tuple[RunRecord, ...] = ()
        self._failing = False
        self._retry: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f" Job  {self.job_name}", style="bold"), id="job-title")
        with Horizontal(id="job-top"):
            yield Static(Text("Loading…"), id="job-fields")
            yield Static(Text(""), id="job-next")
        with Vertical(id="job-trend"):
            yield Sparkline([], id="job-sparkline")
        with Vertical(id="job-runs"):
            yield JobRunsTable(id="job-runs-table")
        # As on the main screen: at 80 columns the footer needs its room for the keys.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def table(self) -> JobRunsTable:
        return self.query_one(JobRunsTable)

    def on_mount(self) -> None:
        self._title_runs()
        self._show_trend()
        self.table.focus()
        self.show_snapshot(self.app.snapshot, self._clock(), self._palette)

    # --- driven by the app's refresh ---------------------------------------------------------

    def show_snapshot(self, snapshot: EngineSnapshot | None, now: datetime, palette: Palette) -> None:
        """Draw what the snapshot says; ask for the rest again when the job's view changed."""
        self._snapshot, self._palette = snapshot, palette
        jobs = snapshot.jobs if snapshot is not None else ()
        job = self.job = next((job for job in jobs if job.name == self.job_name), None)
        freshness = (job, snapshot is not None and snapshot.pending_records == 0)
        if freshness != self._loaded_for:
            self._loaded_for = freshness
            self.load()
        self._draw(now)

    def _live_run(self, job: JobView | None) -> LiveRunView | None:
        if job is None or job.running_run_id is None or self._snapshot is None:
            return None
        return next((run for run in self._snapshot.running if run.run_id == job.running_run_id), None)

    def _draw(self, now: datetime) -> None:
        job = self.job
        palette = self._palette
        self.query_one("#job-title", Static).update(job_summary.title(self.job_name, job, palette))
        fields = job_summary.fields(job, self._live_run(job), self.stats, now, palette, unavailable=self._failing)
        self.query_one("#job-fields", Static).update(fields)
        self.query_one("#job-next", Static).update(job_summary.next_runs(job, self.due, now, palette))

    # --- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        self.run_worker(self._fetch, thread=True, group="job-view", exclusive=True, exit_on_error=False)

    def _fetch(self) -> None:
        """In a thread: the due times (in memory), then the statistics and the last runs (the database)."""
        due = tuple(self._scheduler.next_runs(self.job_name))
        try:
            stats = self._scheduler.job_stats(self.job_name, STATS_OVER)
            page = self._scheduler.history(HistoryQuery(limit=RUNS_SHOWN, job_name=self.job_name))
        except Exception as error:  # noqa: BLE001 - a notification and a retry
            loaded = _Loaded(due, None, None, error)
        else:
            loaded = _Loaded(due, stats, page.rows, None)
        deliver(self.app, partial(self._loaded, loaded))

    def _loaded(self, loaded: _Loaded) -> None:
        if not self.is_attached:
            return
        self.due = loaded.due
        if loaded.error is not None:
            self._failed(loaded.error)
        else:
            if self._failing:
                self._failing = False
                self._title_runs()
                self.notify(f"{self.job_name}'s runs are readable again.", markup=False)
            assert loaded.stats is not None and loaded.runs is not None
            self.stats = loaded.stats
            self._stats_cache.put(loaded.stats)
            self.runs = loaded.runs
            self._show_trend()
            self._show_runs()
        self._draw(self._clock())

    def _title_runs(self) -> None:
        self.query_one("#job-runs").border_title = "Last runs · ⚠ unavailable, retrying" if self._failing else "Last runs"

    def _failed(self, error: Exception) -> None:
        if not self._failing:
            self._failing = True
            reason = strip_control(str(error)) or type(error).__name__
            self.notify(
                f"{self.job_name}'s runs cannot be read: {reason}. Retrying every {self.retry_seconds:g} s.",
                severity="error",
                markup=False,
            )
            self._title_runs()
        if self._retry is None:
            self._retry = self.set_timer(self.retry_seconds, self._try_again)

    def _try_again(self) -> None:
        self._retry = None
        self.load()

    def _show_trend(self) -> None:
        stats = self.stats
        self.query_one("#job-trend").border_title = job_summary.trend_title(stats)
        self.query_one(Sparkline).data = list(stats.durations) if stats is not None else []

    def _show_runs(self) -> None:
        table = self.table
        now = self._clock()
        runs = self.runs
        table.runs = {str(record.id): RunRef(record.id, record.job_name, record.status) for record in runs}
        table.sync([(str(record.id), self._cells(record, now)) for record in runs])

    def _cells(self, record: RunRecord, now: datetime) -> dict[str, Text]:
        palette = self._palette
        took = took_text(record.duration_ms, record.status.is_final)
        detail = outcome_text(record.error_first_line, record.message, palette)
        return {
            "status": status_text(record.status, palette),
            "run": plain(f"#{record.id}"),
            "triggered": plain(record.triggered_by.value.replace("_", " ")),
            "started": plain(format_timestamp(record.started_at, now)),
            "duration": duration_cell(self, record.job_name, (record.duration_ms or 0) / 1000, took, palette),
            "error": detail,
        }

    def on_sync_table_layout_changed(self) -> None:
        self._show_runs()

    # --- keys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console offers no key that changes anything."""
        return not (self.app.read_only and action == "trigger")

    def action_back(self) -> None:
        self.dismiss()

    def action_trigger(self) -> None:
        self.app.trigger_job(self.job_name)

    @on(RunTable.DetailRequested)
    def _detail(self, event: RunTable.DetailRequested) -> None:
        event.stop()
        self.app.open_detail(event.run.run_id)
