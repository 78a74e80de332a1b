"""A job's statistics: its last finished runs' outcomes and durations, read newest first on the job's index."""

from __future__ import annotations

from sqlalchemy import Connection, Dialect, bindparam, literal_column, select

from jobconsole.runs import FINISHED_STATUSES, JobStats, RunStatus
from jobconsole.store.models import runs_table
from jobconsole.store.reads import CompiledRead

# The enum's own values, written into the SQL, as the history's status filter does.
_NOT_FINISHED = [literal_column(f"'{status.value}'") for status in RunStatus if status not in FINISHED_STATUSES]


class JobStatsRead:
    """The read behind :meth:`RunStore.job_stats`, compiled once per store."""

    def __init__(self, dialect: Dialect) -> None:
        table = runs_table.c
        statement = (
            select(table.status, table.duration_ms)
            # NOT IN rather than IN: no index on the status can then tempt the planner away from
            # (job_name, id), which reads the newest rows first and stops at the limit.
            .where(table.job_name == bindparam("job_name"), table.status.not_in(_NOT_FINISHED))
            .order_by(table.id.desc())
            .limit(bindparam("last"))
        )
        self._read = CompiledRead.of(statement, dialect)

    def __call__(self, connection: Connection, job_name: str, last: int) -> JobStats:
        newest_first = self._read.run(connection, {"job_name": job_name, "last": last})
        oldest_first = reversed(newest_first)
        return JobStats.of(job_name, ((RunStatus(status), duration) for status, duration in oldest_first))
