"""A job's alert-policy state as the leader keeps it in ``jobconsole_alert_state``: a value shared by
the engine (which decides) and the store (which keeps it). Nothing here does I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AlertState:
    """Where the alert policy stands for one job; timestamps are timezone-aware UTC.

    A job that is neither failing nor watched for a lack of success has no
    state (its row is written with every field empty when it recovers).
    """

    job_name: str
    failing_since: datetime | None = None
    """When the first of its failed runs in a row ended; None while it is not failing."""
    failed_count: int = 0
    """How many runs failed in a row since ``failing_since``."""
    last_notified_at: datetime | None = None
    """When the last failure notice or reminder about this streak went out."""
    watched_since: datetime | None = None
    """For a job with ``alert_if_no_success_within``: when it was first registered so, or last resumed;
    the window without a success is counted from this or its last success, whichever is later."""
    overdue_notified_at: datetime | None = None
    """When the overdue notice went out; None until then, and again once the job succeeds."""

    @property
    def failing(self) -> bool:
        return self.failing_since is not None
