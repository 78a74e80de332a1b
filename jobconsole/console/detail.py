"""The run detail screen: everything about one run, and its traceback in full."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Log, Static

from jobconsole.console.formatting import (
    Palette,
    format_duration,
    format_full_time,
    format_lines,
    plain,
    status_text,
)
from jobconsole.console.sanitize import strip_control
from jobconsole.console.saved_text import save_private_text
from jobconsole.console.workers import deliver
from jobconsole.interface import CommandRecord, SchedulerInterface
from jobconsole.runs import RunRecord


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
    ) -> None:
        super().__init__()
        self._scheduler = scheduler
        self.run_id = run_id
        self._clock = clock
        self._palette = palette
        self.retry_seconds = retry_seconds
        self.record: RunRecord | None = None
        self._failing = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f" Run #{self.run_id}", style="bold"), id="detail-title")
        yield Static(Text("Loading…"), id="detail-fields")
        yield Static(Text(""), id="detail-error")
        log = Log(highlight=False, auto_scroll=False, id="detail-traceback")
        log.border_title = Text("Traceback")
        yield log
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_worker(self._fetch, thread=True, group="detail", exit_on_error=False)

    def _fetch(self) -> None:
        try:
            record = self._scheduler.run_detail(self.run_id)
            commands = self._scheduler.run_commands(self.run_id) if record is not None else ()
        except Exception as error:  # noqa: BLE001 - becomes a notification and a retry
            deliver(self.app, partial(self._failed, error))
        else:
            deliver(self.app, partial(self._show, record, tuple(commands)))

    def _failed(self, error: Exception) -> None:
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

    def _show(self, record: RunRecord | None, commands: tuple[CommandRecord, ...] = ()) -> None:
        if not self.is_attached:
            return
        self._failing = False
        fields = self.query_one("#detail-fields", Static)
        if record is None:
            fields.update(Text(f"There is no run #{self.run_id} in the history."))
            return
        self.record = record
        now = self._clock()
        title = Text.assemble((f" Run #{record.id}  ", "bold"), plain(record.job_name, style="bold"), "  ")
        title.append_text(status_text(record.status, self._palette))
        self.query_one("#detail-title", Static).update(title)
        fields.update(self._fields(record, now))
        error = strip_control(record.error_message or "").strip()
        message = strip_control(record.message or "").strip()
        summary = Text()
        if error:
            summary.append("Error     ", style="bold")
            summary.append(error.splitlines()[0], style=self._palette.tone("error"))
        if message:
            summary.append("\n" if error else "")
            summary.append("Message   ", style="bold")
            summary.append(message.splitlines()[0])
        for command in commands:
            # Who asked for this run, or for it to stop: the audit trail of an attached console's keys.
            summary.append("\n" if summary.plain else "")
            summary.append("Asked     ", style="bold")
            answer = strip_control(command.result or "not answered")
            summary.append(
                f"{command.kind} by {strip_control(command.requested_by)} "
                f"at {format_full_time(command.requested_at, now)}: {answer}"
            )
        self.query_one("#detail-error", Static).update(summary)
        self.query_one("#detail-error", Static).display = bool(error or message or commands)
        log = self.query_one(Log)
        log.clear()
        body, label = self.copy_text()
        log.border_title = Text(label)
        log.write_lines(body.splitlines() or ["(nothing recorded)"])
        log.scroll_home(animate=False)

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
        if record.duration_ms is not None:
            took = format_duration(record.duration_ms / 1000)
        elif not record.status.is_final:
            took = f"{format_duration(float(int((now - record.started_at).total_seconds())))} so far"
        else:
            took = "–"
        ended = record.ended_by.value.replace("_", " ") if record.ended_by else "–"
        if record.exit_code is not None:
            ended += f", exit code {record.exit_code}"
        where = " / pid ".join(str(part) for part in (record.host, record.pid) if part is not None) or "–"
        left = [
            ("Status", status_text(record.status, palette)),
            ("Job", plain(record.job_name)),
            ("Triggered", plain(record.triggered_by.value)),
            ("Mode", plain(record.run_mode.value)),
            ("Host/pid", plain(where)),
            ("Ended by", plain(ended)),
        ]
        right = [
            ("Scheduled", plain(format_full_time(record.scheduled_for, now))),
            ("Started", plain(format_full_time(record.started_at, now))),
            ("Finished", plain(format_full_time(record.finished_at, now))),
            ("Deadline", plain(format_full_time(record.deadline_at, now))),
            ("Took", plain(took)),
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
