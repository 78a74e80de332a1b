"""The main screen: header, the Upcoming, Running and History panes, and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from jobconsole.console.formatting import STATUS_LOOKS, Palette
from jobconsole.console.header import HeaderBar, HeaderClock
from jobconsole.console.history import HistoryPane
from jobconsole.console.pane_tabs import PaneTabs
from jobconsole.console.panes import EmptyState, focus_target, pane_of
from jobconsole.console.run_table import RunRef, RunTable
from jobconsole.console.running import RunningPane
from jobconsole.console.sync_table import SyncTable
from jobconsole.console.upcoming import UpcomingPane, UpcomingTable
from jobconsole.interface import EngineSnapshot, SchedulerInterface

if TYPE_CHECKING:
    from datetime import datetime

    from jobconsole.console.app import JobConsoleApp
    from jobconsole.console.confirm import ConfirmModal


ONE_PANE_BELOW_ROWS = 20
"""Below this many rows the main screen shows one pane at a time (Tab switches)."""


class MainScreen(Screen[None], inherit_bindings=False):
    # Not inheriting Screen's bindings keeps this order in the footer (tab is redeclared here).
    BINDINGS = [
        Binding("t", "trigger", "Trigger", id="trigger_job", tooltip="Run the selected job now"),
        Binding("p", "pause", "Pause", id="pause_job", tooltip="Pause the selected job, or resume it (asks first)"),
        Binding(
            "f",
            "status_filter",
            "Status",
            id="status_filter",
            tooltip="History by status: all, failures, then each status in turn",
        ),
        Binding(
            "F",
            "status_filter(-1)",
            "Previous status",
            id="status_filter_back",
            show=False,
            tooltip="History by status, the other way round",
        ),
        Binding(
            "slash", "filter_history", "Filter", id="filter_history", tooltip="History by part of a job name"
        ),
        Binding(
            "tab",
            "next_pane",
            "Next pane",
            id="next_pane",
            tooltip=f"Next pane: Upcoming, Running, History (under {ONE_PANE_BELOW_ROWS} rows, one at a time)",
        ),
        Binding(
            "shift+tab", "previous_pane", "Previous pane", id="previous_pane", show=False, tooltip="Previous pane"
        ),
    ]

    app: JobConsoleApp

    def __init__(self, scheduler: SchedulerInterface, *, page_size: int, retry_seconds: float) -> None:
        super().__init__(id="main")
        self._scheduler = scheduler
        self._page_size = page_size
        self._retry_seconds = retry_seconds
        self._focused_first = False
        self._stop_question: tuple[RunRef, ConfirmModal] | None = None
        """The open Stop question and its run, closed by a refresh that finds the run ended."""
        self.ready = False
        """True once the panes exist and can show a snapshot."""
        self._shown: Widget = self
        """The pane shown on a small terminal (one at a time): the one with the focus."""
        self._counts: tuple[int | None, ...] = (None, None, None)

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-row"):
            yield HeaderBar(id="header")
            yield HeaderClock(id="clock")
        yield PaneTabs(id="pane-tabs")
        yield UpcomingPane(id="upcoming")
        yield RunningPane(id="running")
        yield HistoryPane(self._scheduler, page_size=self._page_size, retry_seconds=self._retry_seconds, id="history")
        # The palette (ctrl+p) is in the help: at 80 columns the footer needs its room for the keys.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_pane(self.upcoming)
        self.ready = True
        self.app.refresh_now()

    def on_resize(self, event: events.Resize) -> None:
        # A small terminal shows the focused pane alone, whole, and a line naming the others.
        self.set_class(event.size.height < ONE_PANE_BELOW_ROWS, "-one-pane")

    @property
    def panes(self) -> tuple[UpcomingPane, RunningPane, HistoryPane]:
        """In the order Tab walks them."""
        return (self.upcoming, self.running, self.history)

    @property
    def upcoming(self) -> UpcomingPane:
        return self.query_one(UpcomingPane)

    @property
    def running(self) -> RunningPane:
        return self.query_one(RunningPane)

    @property
    def history(self) -> HistoryPane:
        return self.query_one(HistoryPane)

    def show_snapshot(self, snapshot: EngineSnapshot | None, now: datetime, palette: Palette) -> None:
        """Bring every pane up to date; each changes only what changed."""
        self.query_one(HeaderBar).show(snapshot, now, palette)
        self.query_one(HeaderClock).show(now)
        if snapshot is None:
            return
        self._review_stop_question(snapshot)
        self.upcoming.show(snapshot.jobs, now, palette)
        self.running.show(snapshot.running, now, palette)
        self._counts = (len(snapshot.jobs), len(snapshot.running), None)
        self._show_tabs()
        written = snapshot.pending_records == 0
        self.history.show(snapshot.revision, written, now, palette, tuple(job.name for job in snapshot.jobs))
        # The runs on screen may be marked slow: their jobs' statistics are fetched in the background.
        page = self.history.page
        self.app.job_stats.want([run.job_name for run in (*snapshot.running, *(page.rows if page else ()))])
        if not self._focused_first:
            self._focused_first = True
            # Only the screen's own first pick is replaced; a pane the operator chose keeps the focus.
            if self.focused is None or self.focused is self.upcoming.table:
                self.focus_pane(self.upcoming if snapshot.jobs else self.history)
                return
        self._keep_pane_focused()

    # --- panes -----------------------------------------------------------------------------------

    def focus_pane(self, pane: Widget) -> None:
        self._show_pane(pane)  # first: on a small terminal only the shown pane can take the focus
        focus_target(pane).focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The pane with the focus is the one shown alone on a small terminal (a click or the filter moved it)."""
        pane = pane_of(event.widget, self.panes)
        if pane is not None:
            self._show_pane(pane)

    def _show_pane(self, pane: Widget) -> None:
        for each in self.panes:
            each.set_class(each is pane, "-shown")
        self._shown = pane
        self._show_tabs()

    def _show_tabs(self) -> None:
        self.query_one(PaneTabs).show(str(self._shown.id), self._counts)

    def action_next_pane(self) -> None:
        self._step_pane(1)

    def action_previous_pane(self) -> None:
        self._step_pane(-1)

    def _step_pane(self, step: int) -> None:
        panes = self.panes
        current = pane_of(self.focused, panes)
        index = panes.index(current) if current is not None else (-1 if step > 0 else 0)
        self.focus_pane(panes[(index + step) % len(panes)])

    def _keep_pane_focused(self) -> None:
        """A pane that empties (its last run ended) or fills keeps the focus: on its message, or its table."""
        focused = self.focused
        pane = pane_of(focused, self.panes)
        if pane is None or not isinstance(focused, (SyncTable, EmptyState)):
            return  # elsewhere, or the History filter: left alone
        target = focus_target(pane)
        if focused is not target:
            target.focus()

    # --- keys ----------------------------------------------------------------------------------

    def action_trigger(self) -> None:
        job = self._selected_job()
        if job is None:
            self.notify(
                "No job selected: choose one in Upcoming (or a run of it) first.", severity="warning", markup=False
            )
            return
        self.app.trigger_job(job)

    def action_pause(self) -> None:
        name = self._selected_job()
        snapshot = self.app.snapshot
        job = next((job for job in snapshot.jobs if job.name == name), None) if snapshot and name else None
        if job is None:
            self.notify(
                "No job selected: choose one in Upcoming (or a run of it) first.", severity="warning", markup=False
            )
            return
        from jobconsole.console.confirm import ConfirmModal

        resume = job.paused

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.pause_job(job.name, resume=resume)

        if resume:
            question = f"Resume {job.name}?\nIt runs again from its next due time."
        else:
            question = f"Pause {job.name}?\nIts occurrences are not run until it is resumed; t still runs it."
        ConfirmModal(question, yes="Resume" if resume else "Pause").ask(self.app, answered)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console offers no key that changes anything."""
        return not (self.app.read_only and action in ("trigger", "pause"))

    def _selected_job(self) -> str | None:
        """The job of whatever the operator is on: a job in Upcoming, or the job of a run."""
        focused = self.focused
        if isinstance(focused, RunTable):
            run = focused.selected_run()
            return run.job_name if run else None
        if isinstance(focused, EmptyState) and pane_of(focused, self.panes) is not self.upcoming:
            return None  # an empty Running or History pane: no job is in view
        return self.upcoming.selected_job()

    def action_status_filter(self, step: int = 1) -> None:
        self.history.cycle_status(step)

    def action_filter_history(self) -> None:
        self.history.open_filter()

    @on(UpcomingTable.JobRequested)
    def _open_job(self, event: UpcomingTable.JobRequested) -> None:
        event.stop()
        self.app.open_job(event.job_name)

    @on(RunTable.DetailRequested)
    def _detail(self, event: RunTable.DetailRequested) -> None:
        event.stop()
        self.app.open_detail(event.run.run_id)

    @on(RunTable.StopRequested)
    def _stop(self, event: RunTable.StopRequested) -> None:
        event.stop()
        run = event.run
        if run.status.is_final:
            word = STATUS_LOOKS[run.status].word
            self.notify(f"Run #{run.run_id} already ended ({word}): nothing to stop.", severity="warning", markup=False)
            return
        # The row may be a second old: ask only about a run that is in progress now.
        snapshot = self.app.refresh_now()
        if snapshot is not None and not any(live.run_id == run.run_id for live in snapshot.running):
            self.notify(f"Run #{run.run_id} has already ended: nothing to stop.", severity="warning", markup=False)
            return

        # Imported when first needed: most sessions never stop a run.
        from jobconsole.console.confirm import ConfirmModal

        question = ConfirmModal(
            f"Stop run #{run.run_id} of {run.job_name}?\n"
            "Its stop_event is set; a process run is ended if it does not stop in time.",
            yes="Stop",
        )

        def answered(yes: bool | None) -> None:
            self._stop_question = None
            if yes:
                self.app.stop_run(run.run_id)

        self._stop_question = (run, question)
        question.ask(self.app, answered)

    def _review_stop_question(self, snapshot: EngineSnapshot) -> None:
        """An open Stop question whose run has ended closes by itself, saying so."""
        if self._stop_question is None:
            return
        run, question = self._stop_question
        if any(live.run_id == run.run_id for live in snapshot.running):
            return
        question.withdraw()
        self.notify(
            f"Run #{run.run_id} of {run.job_name} ended before you answered: nothing to stop.",
            severity="warning",
            markup=False,
        )
