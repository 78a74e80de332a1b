"""What the Running and History tables share: a row is a run, enter opens it, s stops it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message

from jobconsole.console.sync_table import SyncTable
from jobconsole.runs import RunStatus


@dataclass(frozen=True)
class RunRef:
    """Enough about a run in a table row to act on it."""

    run_id: int
    job_name: str
    status: RunStatus
    """As the table last saw it; the engine has the final word."""


class RunTable(SyncTable):
    BINDINGS = [
        Binding("enter", "open_detail", "Detail", id="run_detail", tooltip="Open the run: details and traceback"),
        Binding("s", "stop_run", "Stop", id="stop_run", tooltip="Stop the selected run (asks first)"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A read-only console offers no key that changes anything."""
        return not (action == "stop_run" and getattr(self.app, "read_only", False))

    class DetailRequested(Message):
        def __init__(self, run: RunRef) -> None:
            super().__init__()
            self.run = run

    class StopRequested(Message):
        def __init__(self, run: RunRef) -> None:
            super().__init__()
            self.run = run

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: dict[str, RunRef] = {}

    def selected_run(self) -> RunRef | None:
        key = self.selected_key
        return None if key is None else self.runs.get(key)

    def action_open_detail(self) -> None:
        run = self.selected_run()
        if run is None:
            self.notify("No run selected: move to a run first.", severity="warning", markup=False)
            return
        self.post_message(self.DetailRequested(run))

    def action_stop_run(self) -> None:
        run = self.selected_run()
        if run is None:
            self.notify("No run selected: move to a running run first.", severity="warning", markup=False)
            return
        self.post_message(self.StopRequested(run))
