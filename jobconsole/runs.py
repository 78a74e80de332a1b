"""Values that describe runs, shared by the engine, the store and the console.

Nothing here does I/O: these are the plain records that cross the boundaries
between the parts of jobconsole.
"""

from __future__ import annotations

import enum
import math
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    STOPPED = "stopped"
    SKIPPED = "skipped"
    ABANDONED = "abandoned"
    MISSED = "missed"
    """Occurrences that fell while no scheduler was leading: one row per gap, ``missed_count`` says how many."""

    @property
    def is_failure(self) -> bool:
        """Failures are the outcomes the notifiers hear about."""
        return self in FAILURE_STATUSES

    @property
    def is_final(self) -> bool:
        return self is not RunStatus.RUNNING


FAILURE_STATUSES = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABANDONED})

FINISHED_STATUSES = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.STOPPED, RunStatus.ABANDONED}
)
"""Runs that ran and ended: what a job's statistics are made of (skipped and missed occurrences never ran)."""


class TriggeredBy(str, enum.Enum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    CATCH_UP = "catch_up"
    """The one run a job with ``on_missed="run_once"`` gets at start for occurrences missed while no scheduler ran."""
    RETRY = "retry"
    """A later attempt of a failed or timed-out run of a job registered with ``retries``."""


class RunMode(str, enum.Enum):
    THREAD = "thread"
    PROCESS = "process"


class EndedBy(str, enum.Enum):
    """Which step ended a run."""

    RETURNED = "returned"
    RAISED = "raised"
    """The job raised (its traceback is kept); for a process run, the process then exited on its own."""
    STOP_EVENT = "stop_event"
    TERMINATED = "terminated"
    KILLED = "killed"
    CRASHED = "crashed"
    """A process that ended without a result (``os._exit``, a signal from outside), or never started."""
    SHUTDOWN = "shutdown"


@dataclass(frozen=True)
class RunRecord:
    """One row of ``scheduled_job_runs``. Timestamps are timezone-aware UTC."""

    id: int
    job_name: str
    triggered_by: TriggeredBy
    status: RunStatus
    run_mode: RunMode
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None = None
    deadline_at: datetime | None = None
    success: bool | None = None
    error_message: str | None = None
    traceback: str | None = None
    message: str | None = None
    lines_added: int | None = None
    lines_processed: int | None = None
    duration_ms: int | None = None
    ended_by: EndedBy | None = None
    exit_code: int | None = None
    host: str | None = None
    pid: int | None = None
    missed_count: int | None = None
    leader_epoch: int | None = None
    """Set by the store when the row is written: the term of the leader that wrote it."""
    output: str | None = None
    """What the run printed and logged, its head and tail when long (see jobconsole.engine.output);
    history pages leave it out, like the traceback."""
    attempt: int = 1
    """Which attempt of its run this row is: 1 for the first, 2 for the first retry, ..."""
    first_run_id: int | None = None
    """For a retry, the id of the run's first attempt; None for a first attempt."""

    @property
    def error_first_line(self) -> str:
        return (self.error_message or "").strip().splitlines()[0] if self.error_message and self.error_message.strip() else ""


def attempt_words(attempt: int, attempts: int | None) -> str:
    """``"attempt 2/3"``: which attempt of how many a job makes (``attempts``: its retries + 1; None
    when unknown, e.g. a job no longer registered: ``"attempt 2"``). Empty for the only attempt of a
    job without retries, which says nothing."""
    if attempts is None or attempts < attempt:
        return f"attempt {attempt}" if attempt > 1 else ""
    return f"attempt {attempt}/{attempts}" if attempts > 1 else ""


def ended_by_words(record: RunRecord) -> str:
    """How a run ended, in the words the console and the CLI show: ``returned``, ``raised``, ``stop_event``,
    ``SIGTERM``, ``SIGKILL``, ``exited 3``, ``signal 11``; empty while it runs.

    A process's exit status has the last word: a run the scheduler sent SIGKILL that had already died of
    its SIGTERM says ``SIGTERM``, and one that caught the SIGTERM and exited says so.
    """
    ended_by, code = record.ended_by, record.exit_code
    if ended_by is None:
        return ""
    if code is not None and code < 0:
        # multiprocessing's convention: -N is "killed by signal N", whoever sent it.
        return _signal_words(-code)
    if ended_by in (EndedBy.TERMINATED, EndedBy.KILLED):
        sent = "SIGTERM" if ended_by is EndedBy.TERMINATED else "SIGKILL"
        return sent if code is None else f"{sent}, then exited {code}"
    if ended_by is EndedBy.CRASHED:
        return "did not start" if code is None else f"exited {code}"
    if ended_by is EndedBy.SHUTDOWN:
        return "still running at shutdown"
    return ended_by.value


def _signal_words(number: int) -> str:
    if number in (signal.SIGTERM, signal.SIGKILL):
        return signal.Signals(number).name
    return f"signal {number}"


@dataclass(frozen=True)
class RunUpdate:
    """The fields written when a run ends (or is marked abandoned)."""

    id: int
    status: RunStatus
    finished_at: datetime
    success: bool | None
    duration_ms: int | None
    error_message: str | None = None
    traceback: str | None = None
    message: str | None = None
    lines_added: int | None = None
    lines_processed: int | None = None
    ended_by: EndedBy | None = None
    exit_code: int | None = None
    output: str | None = None


class PageDirection(str, enum.Enum):
    """Where a history page starts: newest rows, oldest rows, or next to a known id."""

    NEWEST = "newest"
    OLDEST = "oldest"
    OLDER = "older"
    NEWER = "newer"


@dataclass(frozen=True)
class HistoryQuery:
    """A keyset query over the run history, newest first.

    ``OLDER`` returns rows with id < ``anchor_id``; ``NEWER`` rows with
    id > ``anchor_id``. Rows always come back newest first.
    """

    limit: int = 50
    direction: PageDirection = PageDirection.NEWEST
    anchor_id: int | None = None
    job_name: str | None = None
    job_contains: str | None = None
    """Only jobs whose name contains this text, in any case (``send`` finds ``send_weekly_newsletter``)."""
    failures_only: bool = False
    statuses: tuple[RunStatus, ...] = ()
    """Only rows with one of these statuses (none: any)."""
    since: datetime | None = None
    """Only rows started at or after this moment (timezone-aware)."""


@dataclass(frozen=True)
class HistoryPage:
    """A page of runs, newest first. Rows carry no traceback and no output: read one run in full for those."""

    rows: tuple[RunRecord, ...]
    has_older: bool
    has_newer: bool


SLOW_FACTOR = 2.0
"""A run is unusually slow once it has taken this many times its job's p95 duration..."""
SLOW_MIN_RUNS = 20
"""...and only for a job with at least this many finished runs of known duration: fewer say little."""


@dataclass(frozen=True)
class JobStats:
    """How a job's last finished runs went (see :data:`FINISHED_STATUSES`).

    ``durations`` are those runs' durations, oldest first, where recorded (an
    abandoned run has none); the percentiles are over them, by nearest rank, so
    each is the duration of one of the runs.
    """

    job_name: str
    count: int
    """Finished runs looked at (at most the number asked for)."""
    succeeded: int
    p50_seconds: float | None
    p95_seconds: float | None
    durations: tuple[float, ...]
    """Seconds, oldest first."""

    @property
    def success_rate(self) -> float | None:
        """Succeeded / finished, from 0 to 1; None without finished runs."""
        return self.succeeded / self.count if self.count else None

    @property
    def slow_after(self) -> float | None:
        """Seconds after which a run of this job is unusually slow; None while too few runs say."""
        if self.p95_seconds is None or len(self.durations) < SLOW_MIN_RUNS:
            return None
        return SLOW_FACTOR * self.p95_seconds

    def is_slow(self, seconds: float) -> bool:
        slow_after = self.slow_after
        return slow_after is not None and seconds > slow_after

    @classmethod
    def of(cls, job_name: str, runs: Iterable[tuple[RunStatus, int | None]]) -> JobStats:
        """The statistics of finished runs given oldest first as (status, duration in milliseconds)."""
        count = succeeded = 0
        durations: list[float] = []
        for status, duration_ms in runs:
            count += 1
            succeeded += status is RunStatus.SUCCEEDED
            if duration_ms is not None:
                durations.append(duration_ms / 1000)
        ordered = sorted(durations)
        return cls(
            job_name=job_name,
            count=count,
            succeeded=succeeded,
            p50_seconds=_nearest_rank(ordered, 0.50),
            p95_seconds=_nearest_rank(ordered, 0.95),
            durations=tuple(durations),
        )


def _nearest_rank(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
