"""The engine's in-memory state of one run in progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobconsole.engine.jobs import JobSpec
from jobconsole.engine.process_runs import ChildProcess
from jobconsole.engine.stop_event import StopEvent
from jobconsole.engine.timers import TimerHandle
from jobconsole.interface import ActiveRun, ActiveState
from jobconsole.runs import EndedBy, RunRecord


@dataclass(eq=False)
class LiveRun:
    spec: JobSpec
    record: RunRecord
    """The row as written when the run started."""
    stop_event: Any
    child: ChildProcess | None = None
    state: ActiveState = ActiveState.RUNNING
    timed_out: bool = False
    stop_reason: str | None = None
    """"operator" or "shutdown" once someone asked the run to stop."""
    escalated: EndedBy | None = None
    """TERMINATED or KILLED once the process group was signalled."""
    finished: bool = False
    timers: list[TimerHandle] = field(default_factory=list)
    done: StopEvent = field(default_factory=StopEvent)

    @property
    def run_id(self) -> int:
        return self.record.id

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child is not None else None

    def view(self) -> ActiveRun:
        assert self.record.deadline_at is not None
        return ActiveRun(
            run_id=self.record.id,
            job_name=self.spec.name,
            run_mode=self.spec.run_mode,
            triggered_by=self.record.triggered_by,
            started_at=self.record.started_at,
            deadline=self.record.deadline_at,
            pid=self.pid,
            state=self.state,
        )
