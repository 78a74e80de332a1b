"""What a notifier hears about a failed run, and the shape of a notifier."""

from __future__ import annotations

import traceback as tb
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jobconsole.runs import RunRecord, RunStatus, attempt_words


@dataclass(frozen=True)
class FailureNotice:
    """One failed, timed-out or abandoned run, as the notifiers receive it.

    ``error`` and ``traceback`` are text the job produced: plain data, never
    markup or a format string.
    """

    job_name: str
    run_id: int | None
    status: RunStatus
    error: str | None
    traceback: str | None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    host: str | None = None
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
    def from_record(cls, record: RunRecord, attempts: int = 1) -> FailureNotice:
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
