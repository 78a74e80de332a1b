"""The engine's in-memory state of one run in progress.

Owned by the engine loop's thread: only the loop changes a run's state. A
worker reads ``spec``, ``stop_event`` and ``child`` (fixed at creation); the
recorder's thread calls :meth:`LiveRun.unwritten_row`, whose bookkeeping
field (``_written``) is the recorder's alone, and which
reads ``_end`` (set once by the loop before the run is handed over again).

A :class:`LiveRun` is made for every run, at up to tens of thousands a second,
on the dispatcher's critical path, so it sets only what differs between runs
(the rest are class defaults) and builds its rows only when they are asked for.
The run itself goes to the recorder when it starts and when it ends; the
recorder's thread asks it for :meth:`LiveRun.unwritten_row` when it writes,
after the run has started, and most short runs are then written once, whole.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from jobconsole.engine.jobs import JobSpec
from jobconsole.engine.outcome import Outcome
from jobconsole.engine.output import OutputCapture
from jobconsole.engine.process_runs import ChildProcess
from jobconsole.engine.stop_event import StopEvent
from jobconsole.engine.timers import TimerHandle
from jobconsole.interface import LiveRunView, LiveState
from jobconsole.runs import EndedBy, RunRecord, RunStatus, RunUpdate, TriggeredBy

Origin = tuple[str, int]
"""The scheduler's host and process id, written on every row."""


def success_of(status: RunStatus) -> bool | None:
    """True for a success, False for a failure, None for the rest (stopped, skipped)."""
    return True if status is RunStatus.SUCCEEDED else (False if status.is_failure else None)


def duration_ms(start: datetime, end: datetime) -> int:
    """Whole milliseconds from ``start`` to ``end``, never negative."""
    return max(int((end - start).total_seconds() * 1000), 0)


class LiveRun:
    """A run in progress. Slotted, and its ``done`` event and timers are made only when needed:
    every object a run allocates is one more for the garbage collector to walk while runs start."""

    __slots__ = (
        "spec", "run_id", "triggered_by", "scheduled_for", "started_at", "deadline_mono", "origin",
        "attempt", "first_run_id", "stop_event",
        "child", "state", "timed_out", "stop_reason", "escalated", "escalation_at", "timers", "done", "output",
        "_record", "_written", "_end",
    )

    def __init__(
        self,
        spec: JobSpec,
        run_id: int,
        triggered_by: TriggeredBy,
        scheduled_for: datetime | None,
        started_at: datetime,
        started_mono: float,
        origin: Origin,
        child: ChildProcess | None = None,
        attempt: int = 1,
        first_run_id: int | None = None,
    ) -> None:
        self.spec = spec
        self.run_id = run_id
        self.triggered_by = triggered_by
        self.scheduled_for = scheduled_for
        self.started_at = started_at
        self.deadline_mono = started_mono + spec.timeout_seconds
        self.origin = origin
        self.attempt = attempt
        """Which attempt of its run this is (1: the first); a retry's ``first_run_id`` names the first."""
        self.first_run_id = first_run_id
        self.child = child
        self.stop_event: Any = StopEvent() if child is None else child.stop_event
        self.state: LiveState = LiveState.RUNNING
        self.timed_out = False
        self.stop_reason: str | None = None
        """"operator" or "shutdown" once someone asked the run to stop."""
        self.escalated: EndedBy | None = None
        """TERMINATED or KILLED once the process group was signalled."""
        self.escalation_at: tuple[datetime, datetime] | None = None
        """When SIGTERM and SIGKILL are due (wall clock, for people), once the loop has planned them."""
        self.timers: list[TimerHandle] | None = None
        """Signal escalations still to come (process runs asked to stop)."""
        self.done: threading.Event | None = None
        """Made by the loop for the first caller who waits for the run's end; set when it has ended."""
        self.output: OutputCapture | None = None
        """Set by the worker before the body starts; the loop reads it only to keep what a run it gives up on wrote."""
        self._record: RunRecord | None = None
        self._written = 0
        """0: nothing of the run handed to the database yet; 1: its row; 2: its row and its end."""
        self._end: tuple[RunStatus, datetime, str | None, Outcome, EndedBy, int | None] | None = None

    def restamp(self, started_at: datetime, started_mono: float) -> None:
        """The run was made ahead of its release and released late: it starts at ``started_at``."""
        self.started_at = started_at
        self.deadline_mono = started_mono + self.spec.timeout_seconds
        self._record = None

    @property
    def deadline(self) -> datetime:
        """For people (the Running pane, the row); the timeout itself fires at ``deadline_mono``."""
        return self.started_at + self.spec.timeout

    def add_timer(self, handle: TimerHandle) -> None:
        """Keep a pending escalation step, to cancel it if the run ends first."""
        if self.timers is None:
            self.timers = []
        self.timers.append(handle)

    @property
    def record(self) -> RunRecord:
        """The row as written when the run started (built on first use; the same value every time)."""
        record = self._record
        if record is None:
            host, pid = self.origin
            record = self._record = RunRecord(
                id=self.run_id,
                job_name=self.spec.name,
                triggered_by=self.triggered_by,
                status=RunStatus.RUNNING,
                run_mode=self.spec.run_mode,
                scheduled_for=self.scheduled_for,
                started_at=self.started_at,
                deadline_at=self.deadline,
                host=host,
                pid=pid,
                attempt=self.attempt,
                first_run_id=self.first_run_id,
            )
        return record

    @property
    def ending(self) -> tuple[RunStatus, datetime, str | None, Outcome, EndedBy, int | None] | None:
        """How the run ended (status, finished at, error, outcome, ended by, exit code); None while it runs."""
        return self._end

    @property
    def finished(self) -> bool:
        return self._end is not None

    def end(
        self,
        status: RunStatus,
        finished_at: datetime,
        error: str | None,
        outcome: Outcome,
        ended_by: EndedBy,
        exit_code: int | None,
    ) -> None:
        """Note how the run ended."""
        self._end = (status, finished_at, error, outcome, ended_by, exit_code)

    def unwritten_row(self) -> RunRecord | RunUpdate | None:
        """What the database lacks of this run, once: its row (final if it has ended), then the end; else None.

        Called by the recorder's thread only.
        """
        end = self._end
        written = self._written
        if written == 0:
            if end is None:
                self._written = 1
                return self.record
            self._written = 2
            return self.final_record()
        if end is not None and written == 1:
            self._written = 2
            return self.end_row()
        return None

    def end_row(self) -> RunUpdate:
        """The fields written when the run ended; only after :meth:`end`."""
        assert self._end is not None, "end_row() before end()"
        status, finished_at, error, outcome, ended_by, exit_code = self._end
        return RunUpdate(
            id=self.run_id,
            status=status,
            finished_at=finished_at,
            success=success_of(status),
            duration_ms=duration_ms(self.started_at, finished_at),
            error_message=error,
            traceback=outcome.traceback,
            message=outcome.message,
            lines_added=outcome.lines_added,
            lines_processed=outcome.lines_processed,
            ended_by=ended_by,
            exit_code=exit_code,
            output=outcome.output,
        )

    def final_record(self) -> RunRecord:
        """The whole row of an ended run; only after :meth:`end`."""
        assert self._end is not None, "final_record() before end()"
        status, finished_at, error, outcome, ended_by, exit_code = self._end
        host, pid = self.origin
        return RunRecord(
            id=self.run_id,
            job_name=self.spec.name,
            triggered_by=self.triggered_by,
            status=status,
            run_mode=self.spec.run_mode,
            scheduled_for=self.scheduled_for,
            started_at=self.started_at,
            finished_at=finished_at,
            deadline_at=self.deadline,
            success=success_of(status),
            error_message=error,
            traceback=outcome.traceback,
            message=outcome.message,
            lines_added=outcome.lines_added,
            lines_processed=outcome.lines_processed,
            duration_ms=duration_ms(self.started_at, finished_at),
            ended_by=ended_by,
            exit_code=exit_code,
            host=host,
            pid=pid,
            output=outcome.output,
            attempt=self.attempt,
            first_run_id=self.first_run_id,
        )

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child is not None else None

    def next_step(self, escalated: EndedBy | None) -> tuple[str | None, datetime | None]:
        """The signal the loop will send next and when, given the last one it sent (``escalated``)."""
        planned = self.escalation_at
        if planned is None or escalated is EndedBy.KILLED:
            return None, None
        term_at, kill_at = planned
        return ("SIGTERM", term_at) if escalated is None else ("SIGKILL", kill_at)

    def view(self, state: LiveState, pid: int | None, escalated: EndedBy | None = None) -> LiveRunView:
        """The run as shown, in ``state`` with ``pid``, last signalled ``escalated`` (as a snapshot captured
        them); any thread may call it."""
        next_step, next_step_at = self.next_step(escalated)
        return LiveRunView(
            run_id=self.run_id,
            job_name=self.spec.name,
            run_mode=self.spec.run_mode,
            triggered_by=self.triggered_by,
            started_at=self.started_at,
            deadline=self.deadline,
            pid=pid,
            state=state,
            next_step=next_step,
            next_step_at=next_step_at,
        )
