"""A notice in words, the same in the email, the log and the chat services.

``job feed failed (run 42)``, ``job feed still failing: 12 runs failed in 1h 05m (run 53)``,
``job feed recovered after 2h 10m, 37 runs failed (run 60)``, ``job feed overdue: no success
for 1h 30m (expected within 1h)``. Durations come from :mod:`jobconsole.humanize`.
"""

from __future__ import annotations

from datetime import datetime

from jobconsole.humanize import duration, limit
from jobconsole.notify.notice import FailureNotice, NoticeKind


def headline(notice: FailureNotice) -> str:
    """One line saying what happened to which job; it names the kind of notice."""
    run = f" (run {notice.run_id})" if notice.run_id is not None else ""
    kind = notice.kind
    if kind is NoticeKind.REMINDER:
        return f"job {notice.job_name} still failing: {runs_failed(notice.failed_runs)} in {failing_for(notice)}{run}"
    if kind is NoticeKind.RECOVERED:
        return f"job {notice.job_name} recovered after {failing_for(notice)}, {runs_failed(notice.failed_runs)}{run}"
    if kind is NoticeKind.OVERDUE:
        return f"job {notice.job_name} overdue: {quiet_words(notice)}"
    outcome = notice.status.value.replace("_", " ") if notice.status is not None else "failed"
    if notice.attempt_words and notice.run_id is not None:
        run = f" (run {notice.run_id}, {notice.attempt_words})"
    return f"job {notice.job_name} {outcome}{run}"


def runs_failed(count: int) -> str:
    return "1 run failed" if count == 1 else f"{count} runs failed"


def failing_for(notice: FailureNotice) -> str:
    """How long the job has been (or was) failing, from its first failed run to this notice."""
    return _between(notice.failing_since, notice.finished_at)


def quiet_words(notice: FailureNotice) -> str:
    """``no success for 1h 30m (expected within 1h)``, counted from :attr:`FailureNotice.quiet_since`."""
    within = f" (expected within {limit(notice.expected_within)})" if notice.expected_within is not None else ""
    return f"no success for {_between(notice.quiet_since, notice.finished_at)}{within}"


def _between(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "an unknown time"
    return duration((end - start).total_seconds())
