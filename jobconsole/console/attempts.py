"""Which attempt of its run a row is, in the console's words: ``attempt 2/3``.

The denominator is the job's retries + 1, from the scheduler's snapshot
(:attr:`~jobconsole.interface.JobView.retries`); a job the snapshot no longer
lists shows ``attempt 2`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobconsole.interface import JobView, SchedulerInterface
from jobconsole.runs import RunRecord, RunStatus, attempt_words

_NOT_RUNS = frozenset({RunStatus.SKIPPED, RunStatus.MISSED})


class JobAttempts:
    """How many attempts each job makes, read from the latest snapshot; app thread only."""

    def __init__(self, scheduler: SchedulerInterface) -> None:
        self._scheduler = scheduler
        self._jobs: Sequence[JobView] | None = None
        self._attempts: dict[str, int] = {}

    def of(self, job_name: str) -> int | None:
        """The job's attempts in all (retries + 1), or None for a job the scheduler does not list."""
        jobs = self._scheduler.snapshot().jobs
        if jobs is not self._jobs:
            # Once per published set of jobs, not once per row.
            self._jobs = jobs
            self._attempts = {job.name: job.retries + 1 for job in jobs}
        return self._attempts.get(job_name)

    def words(self, record: RunRecord) -> str:
        """``attempt 2/3`` for a retry, and for a failed first attempt of a job with retries (more may
        follow); empty for the rest: a job's only attempt, a first attempt that did not fail, an occurrence
        that was skipped or missed."""
        if record.status in _NOT_RUNS or (record.attempt == 1 and not record.status.is_failure):
            return ""
        return attempt_words(record.attempt, self.of(record.job_name))
