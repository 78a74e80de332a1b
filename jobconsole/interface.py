"""The narrow interface between the console and a scheduler.

The console sees a scheduler only through :class:`SchedulerInterface`: a
snapshot of jobs and runs, the run history, a job's next due times and
statistics, and four commands (trigger, stop, pause, resume).
Everything here is a plain, frozen value so the same console could later read
a scheduler running in another process.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from jobconsole.errors import StoreUnavailableError  # noqa: F401 - the console catches it from here
from jobconsole.runs import HistoryPage, HistoryQuery, JobStats, RunMode, RunRecord, RunStatus, TriggeredBy


class EngineState(str, enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class LiveState(str, enum.Enum):
    """What a live run (one in progress) is doing right now."""

    RUNNING = "running"
    STOPPING = "stopping"
    """Its stop_event is set (operator stop or shutdown); waiting for it to end."""
    OVERDUE = "overdue"
    """Its timeout passed and its stop_event is set, but it is still running."""
    TERMINATING = "terminating"
    """A process run being ended with SIGTERM or SIGKILL."""


@dataclass(frozen=True)
class JobView:
    name: str
    schedule: str
    """The schedule in words: "every day at 03:00", "every 10 minutes"."""
    next_run: datetime | None
    last_status: RunStatus | None
    run_mode: RunMode
    timeout_seconds: float
    recent: tuple[RunStatus, ...]
    """The last outcomes (up to 10), oldest first."""
    running_run_id: int | None
    paused: bool = False
    """Paused by an operator: its occurrences are not run (it can still be triggered)."""
    retries: int = 0
    """How many more attempts a failed run of the job gets: a run makes ``retries + 1`` in all."""
    retry_at: datetime | None = None
    """When the pending retry of the job's last failed run is due; None when none is pending."""


@dataclass(frozen=True)
class LiveRunView:
    """A live run (one in progress) as the snapshot shows it."""

    run_id: int
    job_name: str
    run_mode: RunMode
    triggered_by: TriggeredBy
    started_at: datetime
    deadline: datetime
    pid: int | None
    state: LiveState
    next_step: str | None = None
    """What the engine will do next to end the run: ``"SIGTERM"`` or ``"SIGKILL"`` to its process group,
    at ``next_step_at``. None while nothing is planned: a run within its timeout and not asked to stop,
    one already sent SIGKILL, and every thread run (a thread can only be waited for)."""
    next_step_at: datetime | None = None
    """When it does it (wall clock)."""


@dataclass(frozen=True)
class EngineSnapshot:
    taken_at: datetime
    state: EngineState
    database: str
    """The database URL with any password hidden."""
    demo: bool
    jobs: Sequence[JobView]
    """Sorted by next run, jobs without a next run last."""
    running: Sequence[LiveRunView]
    """Oldest first."""
    failures_24h: int
    revision: int
    """Grows whenever the run history changes (a run starts or ends; at start, runs left by a dead
    scheduler are marked abandoned and records spooled in an outage are written), so readers
    know when to read it again."""
    store_ok: bool
    """False while the database is unreachable and records wait in memory."""
    pending_records: int
    attached_to: str | None = None
    """For a console attached to a scheduler in another process: which one, in words (None: embedded)."""
    read_only: bool = False
    """The console may look but change nothing (``--read-only``)."""
    shutdown_deadline: datetime | None = None
    """From the start of a shutdown: when the scheduler stops waiting for the runs still in progress
    and records them ``stopped`` (None before, and from a scheduler that does not say)."""


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    message: str
    """Says what happened, or why nothing could be done."""
    run_id: int | None = None


@dataclass(frozen=True)
class CommandRecord:
    """An operator's command as kept in the database: the audit trail of a run it started or stopped."""

    kind: str
    """``trigger``, ``stop``, ``pause`` or ``resume``."""
    requested_by: str
    """user@host."""
    requested_at: datetime
    result: str | None
    """What came of it, in words; None while no scheduler has answered."""


@runtime_checkable
class SchedulerInterface(Protocol):
    """What the console may read from and ask of a scheduler."""

    def snapshot(self) -> EngineSnapshot:
        """The latest published picture of the scheduler: cheap, no lock, no side effect."""
        ...

    def history(self, query: HistoryQuery) -> HistoryPage:
        """A page of run history. May raise :class:`StoreUnavailableError`."""
        ...

    def run_detail(self, run_id: int) -> RunRecord | None:
        """One run in full. May raise :class:`StoreUnavailableError`."""
        ...

    def run_commands(self, run_id: int) -> Sequence[CommandRecord]:
        """The commands that started or stopped a run, oldest first. May raise :class:`StoreUnavailableError`."""
        ...

    def next_runs(self, job_name: str, count: int = 5) -> tuple[datetime, ...]:
        """The job's next due times, soonest first: up to ``count`` (a scheduler in another process
        publishes 5), only the next one for a schedule with a random range, () for an unknown job."""
        ...

    def job_stats(self, job_name: str, last: int = 100) -> JobStats:
        """How the job's last ``last`` finished runs went. May raise :class:`StoreUnavailableError`."""
        ...

    def trigger(self, job_name: str) -> CommandResult: ...

    def stop(self, run_id: int) -> CommandResult: ...

    def pause(self, job_name: str) -> CommandResult:
        """Dispatch no more occurrences of the job (it can still be triggered), across restarts too."""
        ...

    def resume(self, job_name: str) -> CommandResult: ...


@runtime_checkable
class EmbeddedScheduler(SchedulerInterface, Protocol):
    """A scheduler the console runs in its own process and so starts and stops."""

    def start(self) -> None: ...

    def shutdown(self, grace_seconds: float | None = None) -> None:
        """Stop dispatching, stop runs in progress (recorded ``stopped``), flush records."""
        ...
