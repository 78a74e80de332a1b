"""Three schedulers on one PostgreSQL, the leader killed in turn: never two leaders, no record lost or false.

The job is due every second. Every 10-15 s the leader is broken in one of three ways, in turn: kill -9,
SIGSTOP (a hung host: it wakes up later, after a standby took over, and must find out that it no longer
leads), and its database sessions terminated (it must keep leading: nothing is lost). A killed scheduler is
started again and stands by. Then the table is read:

- every row is final;
- each occurrence (a second on the job's grid) is in the table exactly once: run, skipped, or inside one
  ``missed`` row's range;
- no body ran without a row (bodies leave a line in a file) and no row claims a run whose body did not run,
  beyond the runs recorded ``abandoned`` (their body may have been killed before it began);
- no gap between runs is longer than 15 s.
"""

from __future__ import annotations

import os
import random
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jobconsole.runs import HistoryQuery, RunStatus
from jobconsole.store import open_store
from tests.cli.support import Server

CHAOS_SECONDS = float(os.environ.get("JOBCONSOLE_CHAOS_SECONDS", "180"))
TAKEOVER_LIMIT = 15.0


class Cluster:
    def __init__(self, url: str, ticks: Path) -> None:
        self.url = url
        self.env = {"JOBCONSOLE_TEST_TICKS": str(ticks)}
        self.servers: list[Server] = []
        self._engine = create_engine(url)

    def launch(self) -> Server:
        server = Server("--jobs", "tests.cli.jobs_tick", "--db", self.url, "--grace", "1", env=self.env)
        self.servers.append(server)
        return server

    def leader(self) -> tuple[int, int] | None:
        """(pid, term) of the scheduler holding a live lease, read from the database."""
        with self._engine.connect() as connection:
            row = connection.execute(text(
                "SELECT holder, epoch FROM jobconsole_leadership "
                "WHERE expires_at > extract(epoch from clock_timestamp())"
            )).one_or_none()
        if row is None or not row[0]:
            return None
        return int(row[0].split()[1]), int(row[1])

    def wait_for_leader(self, after_term: int, timeout: float) -> tuple[int, int, float]:
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
        database = self._engine.url.database
        with self._engine.connect() as connection:
            killed = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND application_name = :name"
            ), {"db": database, "name": f"jobconsole pid {pid}"}).scalar()
        return int(killed or 0)

    def close(self) -> None:
        self._engine.dispose()


@pytest.mark.timeout(CHAOS_SECONDS + 240)
def test_three_schedulers_with_the_leader_killed_in_turn_run_each_occurrence_at_most_once(
    postgres_server, tmp_path: Path
) -> None:
    url = postgres_server.create_database(f"chaos_{os.getpid()}")
    open_store(url).close()  # the schema, before anyone polls the lease
    ticks = tmp_path / "ticks"
    cluster = Cluster(url, ticks)
    for _ in range(3):
        cluster.launch()
    rng = random.Random(7)
    faults = ["kill -9", "SIGSTOP", "sessions terminated"]
    takeovers: list[float] = []
    stopped: list[Server] = []
    try:
        pid, term, _ = cluster.wait_for_leader(0, 30)
        began = time.monotonic()
        turn = 0
        while time.monotonic() - began < CHAOS_SECONDS:
            time.sleep(rng.uniform(10, 15))  # the chaos schedule itself: how long the leader leads
            fault = faults[turn % len(faults)]
            turn += 1
            leader = cluster.server(pid)
            if fault == "sessions terminated":
                assert cluster.terminate_sessions(pid) >= 1
                # The lease does not die with a session: the same scheduler keeps leading.
                time.sleep(4)
                assert cluster.leader() == (pid, term)
                continue
            if fault == "kill -9":
                leader.process.send_signal(signal.SIGKILL)
                leader.finish()
            else:
                leader.process.send_signal(signal.SIGSTOP)
                stopped.append(leader)
            pid, term, took = cluster.wait_for_leader(term, 30)
            takeovers.append(took)
            for paused in stopped:
                # Woken after it was replaced: it must see that, start nothing, and exit for a restart.
                paused.process.send_signal(signal.SIGCONT)
                assert paused.finish(30) == 75
            stopped.clear()
            cluster.launch()
    finally:
        for server in cluster.servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGCONT)
                server.process.send_signal(signal.SIGTERM)
        for server in cluster.servers:
            server.finish(60)
    # One more start replays whatever journal a killed scheduler left; then read the table.
    last = cluster.launch()
    last.wait_for_lines("scheduler started", timeout=30)
    last.process.send_signal(signal.SIGTERM)
    assert last.finish() == 0
    cluster.close()

    store = open_store(url)
    try:
        rows = list(store.history(HistoryQuery(limit=100_000, job_name="tick")).rows)
    finally:
        store.close()
    assert len(takeovers) >= max(2, int(CHAOS_SECONDS // 45))
    assert max(takeovers) <= TAKEOVER_LIMIT, takeovers
    assert all(row.status.is_final for row in rows), [row for row in rows if not row.status.is_final]

    covered: list = []
    for row in rows:
        if row.status is RunStatus.MISSED:
            covered += [row.scheduled_for + timedelta(seconds=k) for k in range(row.missed_count)]
        else:
            covered.append(row.scheduled_for)
    assert len(covered) == len(set(covered)), "an occurrence is in the table twice"
    covered.sort()
    grid = [covered[0] + timedelta(seconds=k) for k in range(len(covered))]
    assert covered == grid, "an occurrence is missing from the table"

    ran = [row for row in rows if row.status not in (RunStatus.SKIPPED, RunStatus.MISSED)]
    bodies = len(ticks.read_text().splitlines())
    abandoned = sum(1 for row in ran if row.status is RunStatus.ABANDONED)
    assert bodies <= len(ran), "a body ran that has no row (lost, or run twice)"
    assert len(ran) - bodies <= abandoned, "rows claim runs that never happened"
    starts = sorted(row.started_at for row in ran)
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
    assert max(gaps) <= TAKEOVER_LIMIT, max(gaps)
