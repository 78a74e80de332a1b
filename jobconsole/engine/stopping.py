"""How runs are asked to stop, and what status and error their ends are recorded with."""

from __future__ import annotations

from dataclasses import dataclass

from jobconsole.humanize import limit
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.outcome import Outcome
from jobconsole.runs import EndedBy, RunStatus


@dataclass
class StopPolicy:
    """Set before start (``JobScheduler.configure``); read by the engine loop from then on."""

    grace_seconds: float = 10.0
    """How long a process run gets to honour its stop_event before SIGTERM; the shutdown grace."""
    kill_after_seconds: float = 5.0
    """How long after SIGTERM before SIGKILL."""


def final_status(run: LiveRun, outcome: Outcome, ended_by: EndedBy) -> tuple[RunStatus, str | None]:
    """The status a run ended with, and its error text (why it was timed out or stopped, first)."""
    error = outcome.error_message
    if run.timed_out:
        note = f"timed out after {limit(run.spec.timeout.total_seconds())}"
        if ended_by in (EndedBy.TERMINATED, EndedBy.KILLED):
            note += f"; process group {ended_by.value}"
        return RunStatus.TIMED_OUT, note + (f"; {error}" if error else "")
    if run.stop_reason is None and outcome.stopped_by_signal:
        return RunStatus.STOPPED, "stopped by a SIGTERM sent to its process" + (f"; {error}" if error else "")
    if run.stop_reason is not None:
        note = "stopped by operator" if run.stop_reason == "operator" else "stopped at scheduler shutdown"
        if ended_by in (EndedBy.TERMINATED, EndedBy.KILLED, EndedBy.SHUTDOWN):
            note += f" ({ended_by.value})"
        return RunStatus.STOPPED, note + (f"; {error}" if error else "")
    if outcome.success:
        return RunStatus.SUCCEEDED, error
    return RunStatus.FAILED, error
