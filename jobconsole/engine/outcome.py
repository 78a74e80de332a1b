"""Turn what a job returned or raised into plain, picklable facts that fit the run's row.

Thread runs and process runs both go through :func:`run_job_body`; a child
process builds its outcome itself and sends only this small value back, so
nothing the job returned has to survive pickling. Nothing a job hands back can
stop a run from being recorded: an exception whose ``__str__`` or ``__repr__``
raises is described by its type, and texts are made to fit (see :func:`fit_text`).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jobconsole.result import JobResult

ERROR_LIMIT = 8_000
"""Characters kept of an error or a message; the head and the tail of a longer one."""
TRACEBACK_LIMIT = 64_000
"""Characters kept of a traceback."""

_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than tab and line breaks: NUL cannot be stored in PostgreSQL text,
and none of them belongs in a record a person reads."""


@dataclass(frozen=True)
class Outcome:
    success: bool
    error_message: str | None = None
    traceback: str | None = None
    message: str | None = None
    lines_added: int | None = None
    lines_processed: int | None = None
    stopped_by_signal: bool = False
    """A process run that was sent SIGTERM by someone other than the scheduler, and then ended."""
    raised: bool = False
    """The job raised rather than returned."""
    output: str | None = None
    """What the run printed and logged, capped (see :mod:`jobconsole.engine.output`); None if nothing."""


SUCCEEDED = Outcome(success=True)
"""What a job that returned None (or a plain successful result) ran to; shared, as outcomes are immutable."""


def fit_text(text: str, limit: int) -> str:
    """``text`` with control characters shown as ``\\xNN`` and, past ``limit`` characters, its middle
    replaced by a marker saying how much was cut (the head and the tail are what a reader needs)."""
    if _UNSTORABLE.search(text):
        text = _UNSTORABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
    if len(text) <= limit:
        return text
    keep = (limit - 40) // 2
    cut = len(text) - 2 * keep
    return f"{text[:keep]}\n… [{cut:,} characters cut] …\n{text[-keep:]}"


def _fit(text: str | None, limit: int = ERROR_LIMIT) -> str | None:
    return None if text is None else fit_text(text, limit)


def _text_of(value: Any) -> str:
    """``str(value)``, or a description of why it has none (its ``__str__`` raised)."""
    try:
        return str(value)
    except BaseException as error:  # a job's object: whatever it raises is its own fault
        return f"<{type(value).__name__} whose str() raised {type(error).__name__}>"


def describe_exception(exc: BaseException) -> str:
    text = _text_of(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _format_traceback(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except BaseException:  # the exception's own text raised: keep the frames, name the type
        frames = "".join(traceback.format_tb(exc.__traceback__))
        return f"Traceback (most recent call last):\n{frames}{describe_exception(exc)}\n"


def outcome_of_exception(exc: BaseException) -> Outcome:
    return Outcome(
        success=False,
        error_message=_fit(describe_exception(exc)),
        traceback=_fit(_format_traceback(exc), TRACEBACK_LIMIT),
        raised=True,
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
        try:
            shown = f"{value!r:.200}"
        except BaseException:
            shown = "(whose repr() raised)"
        return Outcome(
            success=False,
            error_message=_fit(f"job returned {type(value).__name__} {shown}; expected JobResult or None"),
        )
    error = value.error
    error_message: str | None = None
    error_traceback: str | None = None
    if isinstance(error, BaseException):
        error_message = describe_exception(error)
        if error.__traceback__ is not None:
            error_traceback = _format_traceback(error)
    elif error is not None:
        error_message = _text_of(error)
    success = bool(value.success)
    message = None if value.message is None else _text_of(value.message)
    if not success and error_message is None:
        error_message = message or "job reported failure without an error"
    return Outcome(
        success=success,
        error_message=_fit(error_message),
        traceback=_fit(error_traceback, TRACEBACK_LIMIT),
        message=_fit(message),
        lines_added=_count(value.lines_added),
        lines_processed=_count(value.lines_processed),
    )


def run_job_body(func: Callable[[Any], Any], stop_event: Any) -> Outcome:
    """Call the job and return its outcome; never raises, whatever the job returns or raises."""
    try:
        return outcome_of_return(func(stop_event))
    except BaseException as exc:  # the job's own failure, recorded with its traceback
        try:
            return outcome_of_exception(exc)
        except BaseException as broken:
            return Outcome(success=False, error_message=f"the job raised {type(exc).__name__}, which could not be "
                           f"described ({type(broken).__name__})", raised=True)
