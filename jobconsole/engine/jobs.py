"""A registered job: its function, cadence (a ``schedule`` builder or cron), run mode and timeout, validated once."""

from __future__ import annotations

import enum

import inspect
import math
import pickle
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import schedule

from jobconsole.engine.cadence import Cadence, ScheduleCadence
from jobconsole.engine.cron import CronCadence, CronSchedule
from jobconsole.engine.retry import DEFAULT_RETRY_BACKOFF_SECONDS, RetryPolicy, retry_policy
from jobconsole.runs import RunMode

JobFunc = Callable[[Any], Any]

NAME_LIMIT = 200
"""The longest job name, as the ``job_name`` column holds it."""

OWNER_ATTRIBUTE = "_jobconsole_job"
"""Set on a schedule builder once a job owns it, so reusing the builder gets a clear error."""


class OnMissed(str, enum.Enum):
    """What a job does about occurrences that fell while no scheduler was running."""

    SKIP = "skip"
    """One ``missed`` row says how many and since when; the job runs at its next due time."""
    RUN_ONCE = "run_once"
    """The same row, and one catch-up run at start."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    cadence: Cadence
    run_mode: RunMode
    timeout: timedelta
    on_missed: OnMissed = OnMissed.SKIP
    alert_within: timedelta | None = None
    """``alert_if_no_success_within``: one notice when the job goes this long without a success."""
    retry: RetryPolicy = RetryPolicy()
    timeout_seconds: float = field(init=False, repr=False, compare=False)
    """``timeout`` in seconds, worked out once: every run's deadline needs it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeout_seconds", self.timeout.total_seconds())


def _check_takes_stop_event(label: str, func: Callable[..., Any]) -> None:
    """A job is called as ``func(stop_event)``: refuse one that cannot be, now rather than at every run."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return  # a builtin or extension without a signature: it will have to do
    try:
        signature.bind(None)
    except TypeError:
        raise ValueError(
            f"{label}: func must take one argument, the stop_event (def job(stop_event): ...); "
            f"its signature is {func.__name__ if hasattr(func, '__name__') else 'func'}{signature}"
        ) from None


JobSchedule = schedule.Job | str | CronSchedule
"""What ``register(job_schedule=...)`` takes: a ``schedule`` builder, a cron string, or :func:`cron`."""


def _cadence_of(label: str, job_schedule: object) -> Cadence:
    """The cadence of any kind of schedule ``register`` takes; ValueError naming the job otherwise."""
    if isinstance(job_schedule, str):
        job_schedule = CronSchedule(job_schedule)
    if isinstance(job_schedule, CronSchedule):
        try:
            return CronCadence.parse(job_schedule.expression, job_schedule.tz)
        except ValueError as exc:
            raise ValueError(f"{label}: {exc}") from None
    if not isinstance(job_schedule, schedule.Job):
        raise ValueError(
            f"{label}: job_schedule must be an unfinished schedule job such as "
            f"schedule.every().day.at('03:00'), a cron string such as '0 3 * * *', "
            f"or jobconsole.cron('0 3 * * *', tz='Europe/Paris'), got {job_schedule!r}"
        )
    owner = getattr(job_schedule, OWNER_ATTRIBUTE, None)
    if owner is not None:
        raise ValueError(
            f"{label}: this job_schedule object already belongs to job {owner!r}; "
            "build a new one for each job, e.g. schedule.every().day.at('03:00')"
        )
    if job_schedule.job_func is not None:
        raise ValueError(
            f"{label}: job_schedule is already finished (.do() was called, which also put it on "
            "schedule's global scheduler); pass it without .do(), e.g. schedule.every().day.at('03:00')"
        )
    try:
        return ScheduleCadence.from_job(job_schedule)
    except (ValueError, schedule.ScheduleError) as exc:
        raise ValueError(f"{label}: {exc}") from None


def build_job_spec(
    name: object,
    func: object,
    job_schedule: object,
    run_in_process: object,
    timeout_minutes: object,
    on_missed: object = "skip",
    alert_if_no_success_within: object = None,
    retries: object = 0,
    retry_backoff: object = DEFAULT_RETRY_BACKOFF_SECONDS,
) -> JobSpec:
    """Check one ``register`` call; every problem is a ValueError naming the job."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"job name must be a non-empty string, got {name!r}")
    label = f"job {name!r}"
    if len(name) > NAME_LIMIT:
        raise ValueError(f"{label}: a job name has at most {NAME_LIMIT} characters, this one {len(name)}")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise ValueError(f"{label}: a job name cannot hold control characters or line breaks")
    if not callable(func):
        raise ValueError(f"{label}: func must be callable (a function taking stop_event), got {func!r}")
    _check_takes_stop_event(label, func)
    cadence = _cadence_of(label, job_schedule)
    if not isinstance(run_in_process, bool):
        raise ValueError(f"{label}: run_in_process must be True or False, got {run_in_process!r}")
    if (
        isinstance(timeout_minutes, bool)
        or not isinstance(timeout_minutes, int | float)
        or not math.isfinite(timeout_minutes)
        or timeout_minutes <= 0
    ):
        raise ValueError(f"{label}: timeout_minutes must be a positive number of minutes, got {timeout_minutes!r}")
    try:
        missed_policy = OnMissed(on_missed)
    except ValueError:
        raise ValueError(f"{label}: on_missed must be 'skip' or 'run_once', got {on_missed!r}") from None
    alert_within = _alert_within(label, alert_if_no_success_within)
    retry = retry_policy(label, retries, retry_backoff)
    if run_in_process:
        try:
            pickle.dumps(func)
        except Exception as exc:
            raise ValueError(
                f"{label}: run_in_process=True needs a module-level function, because it is sent to "
                f"the child process by reference ({type(exc).__name__}: {exc})"
            ) from None
    return JobSpec(
        name=name,
        func=func,  # type: ignore[arg-type]
        cadence=cadence,
        run_mode=RunMode.PROCESS if run_in_process else RunMode.THREAD,
        timeout=timedelta(minutes=timeout_minutes),
        on_missed=missed_policy,
        alert_within=alert_within,
        retry=retry,
    )


def _alert_within(label: str, value: object) -> timedelta | None:
    """``alert_if_no_success_within`` as a timedelta: a positive timedelta or number of seconds, or None."""
    if value is None:
        return None
    seconds: object = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(
            f"{label}: alert_if_no_success_within must be a positive timedelta or number of seconds, got {value!r}"
        )
    return timedelta(seconds=seconds)
