"""The run detail screen: everything about one run, whole, and live while the run is running.

The fields sit on top; below them one scrolling body holds every text the run left, each
under its heading and wrapped to the screen: the error, the message, the commands that
started or stopped it, the traceback and the run's output. While the run is in progress
the screen reads it again every second and shows what the engine is doing to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from jobconsole.console.attempts import JobAttempts
from jobconsole.console.formatting import (
    ACTIVE_STATE_WORDS,
    Palette,
    format_duration,
    format_elapsed,
    format_full_time,
    format_lines,
    live_state_words,
    plain,
    status_text,
)
from jobconsole.console.sanitize import strip_control
from jobconsole.console.saved_text import save_private_text
from jobconsole.console.workers import deliver
from jobconsole.interface import CommandRecord, LiveRunView, SchedulerInterface
from jobconsole.runs import RunRecord, ended_by_words

LIVE_SECONDS = 1.0
"""How often a run in progress is read again."""


class RunDetailScreen(Screen[None]):
    """Loads the run in a worker; a failure is a notification and a retry, never a crash."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="detail_back", tooltip="Back to the main screen"),
        Binding(
            "c",
            "copy_traceback",
            "Copy traceback",
            id="copy_traceback",
            tooltip="Copy the traceback to the terminal clipboard and save it to a file (its path is shown)",
        ),
    ]

    def __init__(
        self,
        scheduler: SchedulerInterface,
        run_id: int,
        *,
        clock: Callable[[], datetime],
        palette: Palette,
        retry_seconds: float = 5.0,
        live_seconds: float = LIVE_SECONDS,
    ) -> None:
        super().__init__()
        self._scheduler = scheduler
        self._attempts = JobAttempts(scheduler)
        self.run_id = run_id
        self._clock = clock
        self._palette = palette
        self.retry_seconds = retry_seconds
        self.live_seconds = live_seconds
        self.record: RunRecord | None = None
        self.live: LiveRunView | None = None
        """The run as the scheduler's snapshot shows it while it is in progress."""
        self._commands: tuple[CommandRecord, ...] = ()
        self._failing = False
        self._loading = False
        self._live_timer: Timer | None = None
        self._body_shown: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(Text(f" Run #{self.run_id}", style="bold"), id="detail-title")
        yield Static(Text("Loading…"), id="detail-fields")
        with VerticalScroll(id="detail-body"):
            yield Static(Text(""), id="detail-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-body").focus()
        self.load()

    @property
    def body_text(self) -> str:
        """Everything the body shows, as plain text."""
        return str(self.query_one("#detail-text", Static).render())

    def load(self) -> None:
        if self._loading:
            return
        self._loading = True
        self.run_worker(self._fetch, thread=True, group="detail", exit_on_error=False)

    def _fetch(self) -> None:
        try:
            record = self._scheduler.run_detail(self.run_id)
            commands = self._scheduler.run_commands(self.run_id) if record is not None else ()
            live = None
            if record is not None and not record.status.is_final:
                live = next((run for run in self._scheduler.snapshot().running if run.run_id == self.run_id), None)
        except Exception as error:  # noqa: BLE001 - becomes a notification and a retry
            deliver(self.app, partial(self._failed, error))
        else:
            deliver(self.app, partial(self._show, record, tuple(commands), live))

    def _failed(self, error: Exception) -> None:
        self._loading = False
        if not self.is_attached:
            return
        if not self._failing:
            self._failing = True
            reason = strip_control(str(error)) or type(error).__name__
            self.notify(
                f"Run #{self.run_id} cannot be read: {reason}. Retrying every {self.retry_seconds:g} s.",
                severity="error",
                markup=False,
            )
        self.query_one("#detail-fields", Static).update(Text("Unavailable, retrying…"))
        self.set_timer(self.retry_seconds, self.load)

    def _show(
        self, record: RunRecord | None, commands: tuple[CommandRecord, ...] = (), live: LiveRunView | None = None
    ) -> None:
        self._loading = False
        if not self.is_attached:
            return
        self._failing = False
        fields = self.query_one("#detail-fields", Static)
        if record is None:
            fields.update(Text(f"There is no run #{self.run_id} in the history."))
            return
        self.record, self._commands, self.live = record, commands, live
        self._follow_live(not record.status.is_final)
        self._draw()

    def _follow_live(self, running: bool) -> None:
        """Read the run again every second while it runs; once it ended, no more."""
        if running and self._live_timer is None:
            self._live_timer = self.set_interval(self.live_seconds, self.load, name="run detail live")
        elif not running and self._live_timer is not None:
            self._live_timer.stop()
            self._live_timer = None

    def _draw(self) -> None:
        record = self.record
        if record is None:
            return
        now = self._clock()
        title = Text.assemble((f" Run #{record.id}  ", "bold"), plain(record.job_name, style="bold"), "  ")
        title.append_text(status_text(record.status, self._palette))
        if not record.status.is_final:
            title.append("  · live", style=self._palette.tone("muted"))
        self.query_one("#detail-title", Static).update(title)
        self.query_one("#detail-fields", Static).update(self._fields(record, now))
        shown = (record, self._commands)
        if shown != self._body_shown:
            # The body only changes when the run does: a scroll position survives the live reads.
            self._body_shown = shown
            self.query_one("#detail-text", Static).update(self._body(record, now))
            body = self.query_one("#detail-body", VerticalScroll)
            body.border_title = self._contents(record)
            body.border_subtitle = "↑↓ PgUp PgDn: scroll"

    def _body(self, record: RunRecord, now: datetime) -> Text:
        """Every text of the run, each under its heading, whole."""
        palette = self._palette
        body = Text()

        def section(heading: str, text: str, style: str = "") -> None:
            if body.plain:
                body.append("\n\n")
            body.append(heading, style="bold underline")
            body.append("\n")
            body.append(text, style=style)

        error = strip_control(record.error_message or "").strip()
        message = strip_control(record.message or "").strip()
        if error:
            section("Error", error, palette.tone("error"))
        if message:
            section("Message", message)
        if self._commands:
            # Who asked for this run, or for it to stop: the audit trail of an attached console's keys.
            section(
                "Asked",
                "\n".join(
                    f"{command.kind} by {strip_control(command.requested_by)} at "
                    f"{format_full_time(command.requested_at, now)}: {strip_control(command.result or 'not answered')}"
                    for command in self._commands
                ),
            )
        traceback = strip_control(record.traceback or "").rstrip("\n")
        if traceback:
            section("Traceback", traceback)
        output = strip_control(record.output or "").rstrip("\n")
        if output:
            section("Output", output)
        elif record.status.is_final:
            section("Output", "(none captured)", palette.tone("muted"))
        else:
            section("Output", "(kept when the run ends)", palette.tone("muted"))
        return body

    def _contents(self, record: RunRecord) -> str:
        """The body's headings, as its border title says them."""
        parts = []
        if record.error_message:
            parts.append("error")
        if record.message:
            parts.append("message")
        if record.traceback:
            parts.append(f"traceback ({len(record.traceback.splitlines())} lines)")
        output = record.output
        if output:
            parts.append(f"output ({len(output.splitlines())} lines)")
        return " · ".join(parts) or "no error, no output"

    def copy_text(self) -> tuple[str, str]:
        """What the scroll view shows and ``c`` copies, and what to call it."""
        record = self.record
        if record is None:
            return "", "Traceback"
        if record.traceback:
            return strip_control(record.traceback).rstrip("\n"), "Traceback"
        if record.error_message:
            return strip_control(record.error_message).rstrip("\n"), "Error (no traceback)"
        return "", "No error"

    def _fields(self, record: RunRecord, now: datetime) -> Table:
        palette = self._palette
        live = self.live
        if record.duration_ms is not None:
            took = plain(format_duration(record.duration_ms / 1000))
        elif not record.status.is_final:
            took = plain(f"{format_elapsed((now - record.started_at).total_seconds())} so far")
        else:
            took = plain("–")
        if live is not None:
            words = live_state_words(live.state, live.next_step, live.next_step_at, now)
            state = ("State", plain(words, style=palette.tone(ACTIVE_STATE_WORDS[live.state][1])))
        else:
            state = ("Ended by", plain(ended_by_words(record) or "–"))
        where = " / pid ".join(str(part) for part in (record.host, record.pid) if part is not None) or "–"
        left = [
            ("Status", status_text(record.status, palette)),
            ("Job", plain(record.job_name)),
            ("Triggered", plain(self._triggered_words(record))),
            ("Mode", plain(record.run_mode.value)),
            ("Host/pid", plain(where)),
            state,
        ]
        right = [
            ("Scheduled", plain(format_full_time(record.scheduled_for, now))),
            ("Started", plain(format_full_time(record.started_at, now))),
            ("Finished", plain(format_full_time(record.finished_at, now))),
            ("Deadline", plain(format_full_time(record.deadline_at, now))),
            ("Took", took),
            ("Lines", plain(format_lines(record.lines_added, record.lines_processed) or "–")),
        ]
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        for (left_label, left_value), (right_label, right_value) in zip(left, right, strict=True):
            grid.add_row(left_label, left_value, right_label, right_value)
        return grid

    def _triggered_words(self, record: RunRecord) -> str:
        """``scheduled``, or with the attempt: ``retry · attempt 2/3 of run 41``."""
        words = record.triggered_by.value
        attempt = self._attempts.words(record)
        if attempt:
            words += f" · {attempt}"
            if record.first_run_id is not None:
                words += f" of run {record.first_run_id}"
        return words

    def action_back(self) -> None:
        self.dismiss()

    def action_copy_traceback(self) -> None:
        """To the terminal clipboard (OSC 52, which the terminal may ignore) and to a file, which always works."""
        text, label = self.copy_text()
        if not text:
            self.notify("This run has no traceback or error to copy.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(text)
        what = label.split(" (")[0]
        self.run_worker(partial(self._save_copy, text, what), thread=True, group="copy", exit_on_error=False)

    def _save_copy(self, text: str, what: str) -> None:
        lines = len(text.splitlines())
        sent = f"{what} ({lines} lines) sent to the terminal clipboard (OSC 52); your terminal may not accept it."
        name = f"run-{self.run_id}-{what.lower()}.txt"
        try:
            path = save_private_text(text, name)
        except OSError as error:
            message = f"{sent} It could not be saved to a file either: {strip_control(str(error))}"
            deliver(self.app, partial(self.app.notify, message, severity="warning", markup=False, timeout=15))
        else:
            message = f"{sent} Saved to {path}"
            deliver(self.app, partial(self.app.notify, message, markup=False, timeout=15))
