"""Turn what a job returned or raised into plain, picklable facts.

Thread runs and process runs both go through :func:`outcome_of_return` and
:func:`outcome_of_exception`; a child process builds its outcome itself and
sends only this small value back, so nothing the job returned has to survive
pickling.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from jobconsole.result import JobResult


@dataclass(frozen=True)
class Outcome:
    success: bool
    error_message: str | None = None
    traceback: str | None = None
    message: str | None = None
    lines_added: int | None = None
    lines_processed: int | None = None


SUCCEEDED = Outcome(success=True)
"""What a job that returned None (or a plain successful result) ran to; shared, as outcomes are immutable."""


def describe_exception(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def outcome_of_exception(exc: BaseException) -> Outcome:
    return Outcome(
        success=False,
        error_message=describe_exception(exc),
        traceback="".join(traceback.format_exception(exc)),
    )


def _count(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def outcome_of_return(value: object) -> Outcome:
    """``None`` is success; a JobResult says for itself; anything else is a mistake in the job."""
    if value is None:
        return SUCCEEDED
    if not isinstance(value, JobResult):
        return Outcome(
            success=False,
            error_message=f"job returned {type(value).__name__} {value!r:.200}; expected JobResult or None",
        )
    error = value.error
    error_message: str | None = None
    error_traceback: str | None = None
    if isinstance(error, BaseException):
        error_message = describe_exception(error)
        if error.__traceback__ is not None:
            error_traceback = "".join(traceback.format_exception(error))
    elif error is not None:
        error_message = str(error)
    success = bool(value.success)
    if not success and error_message is None:
        error_message = value.message or "job reported failure without an error"
    return Outcome(
        success=success,
        error_message=error_message,
        traceback=error_traceback,
        message=None if value.message is None else str(value.message),
        lines_added=_count(value.lines_added),
        lines_processed=_count(value.lines_processed),
    )
