"""What a notifier hears about a job, and the shape of a notifier."""

from __future__ import annotations

import enum
import traceback as tb
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jobconsole.runs import RunRecord, RunStatus, attempt_words


class NoticeKind(str, enum.Enum):
    """Why a notice was sent (see the alert policy in :mod:`jobconsole.engine.alerts`)."""

    FAILURE = "failure"
    """A run failed, timed out or was abandoned, and the job was not already failing (abandoned runs: always)."""
    REMINDER = "reminder"
    """The job is still failing, and the last notice about it is older than the reminder interval."""
    RECOVERED = "recovered"
    """A run of a failing job succeeded."""
    OVERDUE = "overdue"
    """The job has not succeeded for longer than its ``alert_if_no_success_within``."""


@dataclass(frozen=True)
class FailureNotice:
    """What the notifiers receive: one run that failed, timed out or was abandoned, or (see ``kind``) a
    reminder that a job is still failing, its recovery, or its going without a success for too long.

    ``error`` and ``traceback`` are text the job produced: plain data, never
    markup or a format string. An overdue notice is about no run: its
    ``run_id`` and ``status`` are None.
    """

    job_name: str
    run_id: int | None
    status: RunStatus | None
    error: str | None
    traceback: str | None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    """When the run ended; for an overdue notice, when the job was found overdue."""
    host: str | None = None
    kind: NoticeKind = NoticeKind.FAILURE
    failing_since: datetime | None = None
    """Reminder and recovered: when the first of the failed runs ended."""
    failed_runs: int = 0
    """Reminder and recovered: how many runs failed since ``failing_since``."""
    quiet_since: datetime | None = None
    """Overdue: the last success, or when the job was first watched (or resumed) if it has not succeeded since."""
    expected_within: float | None = None
    """Overdue: the job's ``alert_if_no_success_within``, in seconds."""
    attempt: int = 1
    """Which attempt of its run failed; a job with retries is notified of its last attempt only."""
    attempts: int = 1
    """How many attempts the job makes in all (its retries + 1)."""

    @property
    def attempt_words(self) -> str:
        """``"attempt 3/3"`` for a job with retries; empty for a job without."""
        return attempt_words(self.attempt, self.attempts)

    @property
    def error_first_line(self) -> str:
        """The first non-blank line of the error, or "" when there is none."""
        for line in (self.error or "").splitlines():
            if line.strip():
                return line.strip()
        return ""

    @classmethod
    def from_record(
        cls,
        record: RunRecord,
        kind: NoticeKind = NoticeKind.FAILURE,
        failing_since: datetime | None = None,
        failed_runs: int = 0,
        attempts: int = 1,
    ) -> FailureNotice:
        """The notice for a finished (or abandoned) run from the run history, of a job making ``attempts``."""
        return cls(
            job_name=record.job_name,
            run_id=record.id,
            status=record.status,
            error=record.error_message,
            traceback=record.traceback,
            started_at=record.started_at,
            finished_at=record.finished_at,
            host=record.host,
            kind=kind,
            failing_since=failing_since,
            failed_runs=failed_runs,
            attempt=record.attempt,
            attempts=max(attempts, record.attempt),
        )

    @classmethod
    def from_error(
        cls,
        job_name: str,
        error: BaseException | str,
        *,
        status: RunStatus = RunStatus.FAILED,
        run_id: int | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        host: str | None = None,
    ) -> FailureNotice:
        """A notice from an exception (with its traceback, if it was raised) or a message."""
        return cls(
            job_name=job_name,
            run_id=run_id,
            status=status,
            error=error_text(error),
            traceback=traceback_text(error),
            started_at=started_at,
            finished_at=finished_at,
            host=host,
        )


Notifier = Callable[[FailureNotice], None]
"""A notifier is any callable that takes a :class:`FailureNotice`.

It runs on the notification thread, never on the scheduler's; whatever it
raises is logged and the other notifiers still run.
"""


def error_text(error: BaseException | str) -> str:
    """``"ValueError: bad row"`` for an exception, the message itself for a string."""
    if isinstance(error, BaseException):
        return "".join(tb.format_exception_only(error)).strip()
    return error


def traceback_text(error: BaseException | str) -> str | None:
    """The formatted traceback of a raised exception; None for a string or an unraised exception."""
    if isinstance(error, BaseException) and error.__traceback__ is not None:
        return "".join(tb.format_exception(error))
    return None
