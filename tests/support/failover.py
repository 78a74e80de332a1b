"""The failover scenario, shared by tests/cli/test_failover.py and the benchmark's failover part.

Three ``jobconsole --no-ui`` schedulers on one PostgreSQL database run ``tests.cli.jobs_tick`` (jobs due
every second whose bodies append a line to a file). Every 10-15 s the leader is broken, in turn: kill -9,
SIGSTOP (woken after a standby took over, it must find out and exit 75), and its database sessions
terminated (it must keep leading). A killed scheduler is started again. Afterwards one more start replays
any journal left behind, and :func:`read_outcome` holds the table against the bodies that ran.
"""

from __future__ import annotations

import random
import signal
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from jobconsole.runs import HistoryQuery, RunRecord, RunStatus
from jobconsole.store import open_store
from tests.cli.support import Server

FAULTS = ("kill -9", "SIGSTOP", "sessions terminated")


class Cluster:
    """The schedulers, and what the database says about who leads."""

    def __init__(self, url: str, ticks: Path, jobs: tuple[str, ...]) -> None:
        self.url = url
        self.env = {"JOBCONSOLE_TEST_TICKS": str(ticks), **({"JOBCONSOLE_TEST_TOCK": "1"} if "tock" in jobs else {})}
        self.servers: list[Server] = []
        self._engine = create_engine(url)

    def launch(self) -> Server:
        server = Server("--jobs", "tests.cli.jobs_tick", "--db", self.url, "--grace", "1", env=self.env)
        self.servers.append(server)
        return server

    def leader(self) -> tuple[int, int] | None:
        """(pid, term) of the scheduler holding a live lease."""
        with self._engine.connect() as connection:
            row = connection.execute(text(
                "SELECT holder, epoch FROM jobconsole_leadership "
                "WHERE expires_at > extract(epoch from clock_timestamp())"
            )).one_or_none()
        if row is None or not row[0]:
            return None
        return int(row[0].split()[1]), int(row[1])

    def wait_for_leader(self, after_term: int, timeout: float) -> tuple[int, int, float]:
        """(pid, term, seconds waited) of the first leader with a term above ``after_term``."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            found = self.leader()
            if found is not None and found[1] > after_term:
                return found[0], found[1], time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"no new leader within {timeout} s after term {after_term}")

    def server(self, pid: int) -> Server:
        return next(s for s in self.servers if s.process.pid == pid)

    def terminate_sessions(self, pid: int) -> int:
        with self._engine.connect() as connection:
            killed = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND application_name = :name"
            ), {"db": self._engine.url.database, "name": f"jobconsole pid {pid}"}).scalar()
        return int(killed or 0)

    def stop_all(self) -> None:
        for server in self.servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGCONT)
                server.process.send_signal(signal.SIGTERM)
        for server in self.servers:
            server.finish(60)

    def close(self) -> None:
        self._engine.dispose()


@dataclass
class ChaosLog:
    takeovers: list[float] = field(default_factory=list)
    """Seconds from each fault (kill -9, SIGSTOP) to the next leader's lease."""
    faults: list[str] = field(default_factory=list)
    kept_leading: int = 0
    """Times the leader's sessions were terminated and it went on leading."""
    replaced_exits: list[int] = field(default_factory=list)
    """Exit codes of paused leaders woken after they were replaced (75 each)."""


def run_chaos(url: str, ticks: Path, seconds: float, jobs: tuple[str, ...] = ("tick",), seed: int = 7) -> ChaosLog:
    """Break the leader every 10-15 s for ``seconds``; stop everything; replay what was left.
    ``jobs``: ``("tick",)`` or ``("tick", "tock")``, each due every second."""
    open_store(url).close()  # the schema, before anyone polls the lease
    cluster = Cluster(url, ticks, jobs)
    rng = random.Random(seed)
    chaos = ChaosLog()
    for _ in range(3):
        cluster.launch()
    try:
        pid, term, _ = cluster.wait_for_leader(0, 30)
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            time.sleep(rng.uniform(10, 15))  # the chaos schedule itself: how long the leader leads
            fault = FAULTS[len(chaos.faults) % len(FAULTS)]
            chaos.faults.append(fault)
            leader = cluster.server(pid)
            if fault == "sessions terminated":
                assert cluster.terminate_sessions(pid) >= 1
                time.sleep(4)  # a renewal or two later: the lease does not die with a session
                if cluster.leader() == (pid, term):
                    chaos.kept_leading += 1
                continue
            if fault == "kill -9":
                leader.process.send_signal(signal.SIGKILL)
                leader.finish()
            else:
                leader.process.send_signal(signal.SIGSTOP)
            pid, term, took = cluster.wait_for_leader(term, 30)
            chaos.takeovers.append(took)
            if fault == "SIGSTOP":
                leader.process.send_signal(signal.SIGCONT)
                chaos.replaced_exits.append(leader.finish(30))
            cluster.launch()
    finally:
        cluster.stop_all()
    last = cluster.launch()
    last.wait_for_lines("scheduler started", timeout=30)
    last.process.send_signal(signal.SIGTERM)
    last.finish()
    cluster.close()
    return chaos


@dataclass
class Outcome:
    rows: list[RunRecord]
    occurrences: int
    """Seconds on the job's grid from the first occurrence to the last."""
    twice: int
    """Occurrences in the table more than once."""
    absent: int
    """Occurrences on the grid in no row."""
    bodies: int
    ran: int
    """Rows that say a body ran (any status but skipped and missed)."""
    abandoned: int
    not_final: int
    longest_gap: float
    """Seconds between consecutive runs' starts, at most."""

    @property
    def lost(self) -> int:
        """Bodies that ran with no row (or ran twice)."""
        return max(self.bodies - self.ran, 0)

    @property
    def false(self) -> int:
        """Rows claiming a run beyond the bodies that ran, not explained by abandoned runs."""
        return max(self.ran - self.bodies - self.abandoned, 0)


def read_outcome(url: str, ticks: Path, jobs: tuple[str, ...] = ("tick",)) -> Outcome:
    """The table held against the bodies that ran, summed over ``jobs`` (each checked on its own grid)."""
    store = open_store(url)
    try:
        rows = {job: list(store.history(HistoryQuery(limit=1_000_000, job_name=job)).rows) for job in jobs}
    finally:
        store.close()
    lines = ticks.read_text().splitlines() if ticks.exists() else []
    parts = [_outcome_of(rows[job], sum(1 for line in lines if line.split()[0] == job)) for job in jobs]
    return Outcome(
        rows=[row for part in parts for row in part.rows],
        occurrences=sum(p.occurrences for p in parts),
        twice=sum(p.twice for p in parts),
        absent=sum(p.absent for p in parts),
        bodies=sum(p.bodies for p in parts),
        ran=sum(p.ran for p in parts),
        abandoned=sum(p.abandoned for p in parts),
        not_final=sum(p.not_final for p in parts),
        longest_gap=max(p.longest_gap for p in parts),
    )


def _outcome_of(rows: list[RunRecord], bodies: int) -> Outcome:
    covered: list[datetime] = []
    for row in rows:
        assert row.scheduled_for is not None
        count = row.missed_count if row.status is RunStatus.MISSED and row.missed_count else 1
        covered += [row.scheduled_for + timedelta(seconds=k) for k in range(count)]
    distinct = sorted(set(covered))
    span = int((distinct[-1] - distinct[0]).total_seconds()) + 1 if distinct else 0
    ran = [row for row in rows if row.status not in (RunStatus.SKIPPED, RunStatus.MISSED)]
    starts = sorted(row.started_at for row in ran)
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    return Outcome(
        rows=rows,
        occurrences=span,
        twice=len(covered) - len(distinct),
        absent=span - len(distinct),
        bodies=bodies,
        ran=len(ran),
        abandoned=sum(1 for row in ran if row.status is RunStatus.ABANDONED),
        not_final=sum(1 for row in rows if not row.status.is_final),
        longest_gap=max(gaps, default=0.0),
    )


def describe_gaps(rows: list[RunRecord]) -> str:
    """The rows on either side of each hole in a job's grid, for a failure message."""
    lines: list[str] = []
    by_job: dict[str, list[RunRecord]] = {}
    for row in rows:
        by_job.setdefault(row.job_name, []).append(row)
    for job, job_rows in by_job.items():
        job_rows.sort(key=lambda row: row.scheduled_for or datetime.min)
        previous: RunRecord | None = None
        previous_end: datetime | None = None
        for row in job_rows:
            assert row.scheduled_for is not None
            count = row.missed_count if row.status is RunStatus.MISSED and row.missed_count else 1
            if previous is not None and previous_end is not None and row.scheduled_for - previous_end > timedelta(seconds=1.001):
                for each in (previous, row):
                    lines.append(
                        f"{job} run {each.id} {each.status.value} for {each.scheduled_for:%H:%M:%S.%f} started "
                        f"{each.started_at:%H:%M:%S.%f} term {each.leader_epoch} pid {each.pid}: {each.error_message}"
                    )
            previous, previous_end = row, row.scheduled_for + timedelta(seconds=count - 1)
    return "\n".join(lines)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
