"""Retrying a failed run: how many attempts a job gets, how long it waits between them, and a retry waiting.

A job registered with ``retries=N`` makes up to N + 1 attempts of a run. After
attempt k fails or times out (on its own: a run stopped by an operator or at
shutdown is never retried), attempt k + 1 is due ``retry_backoff × 2^(k-1)``
seconds later, give or take :data:`JITTER` (±20 %, uniformly), so that many
jobs failing together (a database down) do not all come back at one instant.

Nothing here waits: the engine loop plans a retry on its own timers
(:mod:`.timers`, the monotonic clock), as it plans every other step of a
run, so a retry follows the injected clock, leadership and shutdown like
any run. A retry loop of a library (tenacity's, which the recorder uses to
ride out outages) calls a function again on the same thread after sleeping;
here each attempt must be a run of its own (its own row, its own process,
its own timeout) started by the loop, and only while this scheduler leads.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from jobconsole.engine.timers import TimerHandle
from jobconsole.runs import RunRecord, RunStatus

JITTER = 0.2
"""A retry waits its backoff times a factor drawn uniformly from [1 - JITTER, 1 + JITTER]."""
MAX_RETRIES = 100
MAX_RETRY_WAIT_SECONDS = 86_400.0
"""The longest backoff (before jitter) a job may ask for between two attempts: a day."""
DEFAULT_RETRY_BACKOFF_SECONDS = 60.0

RETRIED_STATUSES = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT})
"""The outcomes a run is retried after (an abandoned run is not: its scheduler died, and says so)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How a job retries: ``retries`` more attempts after the first, ``backoff`` seconds before the first retry."""

    retries: int = 0
    backoff: float = DEFAULT_RETRY_BACKOFF_SECONDS

    @property
    def attempts(self) -> int:
        """How many attempts a run gets in all."""
        return self.retries + 1

    def wait(self, failed_attempt: int, rng: random.Random) -> float:
        """Seconds from the end of attempt ``failed_attempt`` to the next: backoff × 2^(attempt-1), ±20 %."""
        return self.backoff * 2 ** (failed_attempt - 1) * rng.uniform(1 - JITTER, 1 + JITTER)

    def retries_after(self, record: RunRecord) -> bool:
        """Whether a run that ended as ``record`` gets another attempt."""
        return record.status in RETRIED_STATUSES and record.attempt < self.attempts


def retry_policy(label: str, retries: object, retry_backoff: object) -> RetryPolicy:
    """Check ``register``'s ``retries`` and ``retry_backoff``; a ValueError naming the job and the value."""
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        raise ValueError(
            f"{label}: retries must be a whole number from 0 to {MAX_RETRIES} (how many more attempts after a "
            f"failed one), got {retries!r}"
        )
    if (
        isinstance(retry_backoff, bool)
        or not isinstance(retry_backoff, int | float)
        or not math.isfinite(retry_backoff)
        or retry_backoff < 0
    ):
        raise ValueError(
            f"{label}: retry_backoff must be a number of seconds, 0 or more (the wait before the first retry), "
            f"got {retry_backoff!r}"
        )
    if retries and retry_backoff * 2 ** (retries - 1) > MAX_RETRY_WAIT_SECONDS:
        raise ValueError(
            f"{label}: retries={retries} with retry_backoff={retry_backoff:g} s would wait "
            f"{retry_backoff * 2 ** (retries - 1):,.0f} s before the last attempt (the wait doubles each time); "
            f"the longest wait is {MAX_RETRY_WAIT_SECONDS:,.0f} s (a day): ask for fewer retries or a shorter backoff"
        )
    return RetryPolicy(retries, float(retry_backoff))


@dataclass
class PendingRetry:
    """A retry the engine loop has planned and not yet started. Owned by the engine loop's thread."""

    failed: RunRecord
    """The attempt that failed: its notice goes out if no further attempt is made."""
    due: datetime
    """When the retry is due (wall clock): its row's ``scheduled_for``."""
    timer: TimerHandle

    @property
    def attempt(self) -> int:
        return self.failed.attempt + 1

    @property
    def first_run_id(self) -> int:
        return self.failed.first_run_id or self.failed.id
