"""The three schedulers under test, each set up the way its users would, behind one small interface.

Every contender registers ``n`` jobs whose first run is due at the same
instant ``t0`` and that repeat every ``interval`` seconds, starts, and
afterwards tells which runs happened and which it skipped:

* **jobconsole** — :class:`jobconsole.JobScheduler` recording every run in a
  SQLite file. Its interval jobs first run one interval after they are armed,
  so its clock is frozen at ``t0 - interval`` while it starts (see
  :class:`benchmarks.clock.FreezableClock`).
* **APScheduler** — 3.x ``BackgroundScheduler`` with its default thread pool
  executor and memory job store; ``IntervalTrigger(start_date=t0)``.
  ``misfire_grace_time=None`` so that late runs still run and are measured
  instead of being dropped after APScheduler's default 1 s grace.
  Records nothing.
* **schedule** — the library's default scheduler driven by the usual
  ``while True: run_pending(); sleep(1)`` loop. Each job's ``next_run`` is set
  to ``t0`` once after registering (the library has no start time); after
  that its runs follow its own rule, "one interval after the last run".
  Records nothing.

The job bodies are trivial: they note when they started and ended.
"""

from __future__ import annotations

import functools
import itertools
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CONTENDERS = ("jobconsole", "apscheduler", "schedule")
LABELS = {"jobconsole": "jobconsole", "apscheduler": "APScheduler", "schedule": "schedule"}


@dataclass
class Tally:
    """What the job bodies and the schedulers' own run events noted, in arrival order."""

    body: list[tuple[int, float, float]] = field(default_factory=list)
    """(job index, body start, body end), time.time() seconds."""
    done: list[tuple[int, float, float]] = field(default_factory=list)
    """(job index, due time, when the scheduler finished the run) for runs that ran."""
    missed: list[tuple[int, float]] = field(default_factory=list)
    """(job index, due time) for occurrences the scheduler skipped or dropped."""
    done_count: Any = field(default_factory=itertools.count)
    all_done: threading.Event = field(default_factory=threading.Event)
    body_count: Any = field(default_factory=itertools.count)
    all_bodies: threading.Event = field(default_factory=threading.Event)
    expect_done: int = -1

    def note_done(self, index: int, due: float) -> None:
        self.done.append((index, due, time.time()))
        if next(self.done_count) + 1 == self.expect_done:
            self.all_done.set()


def _body(tally: Tally, index: int, *_stop_event: object) -> None:
    started = time.time()
    tally.body.append((index, started, time.time()))
    if next(tally.body_count) + 1 == tally.expect_done:
        tally.all_bodies.set()


class Contender:
    name: str
    records: bool = False
    """True if every run is also written to a database."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def add_jobs(self, n: int, interval: int, t0: float) -> None:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Return once every run so far is recorded (a no-op for those that record nothing)."""

    def wait_finished(self, timeout: float) -> float | None:
        """Wait until all ``tally.expect_done`` runs have finished (and been recorded, if the scheduler
        records); the time.time() when that was so, or None after ``timeout``."""
        if not self.tally.all_done.wait(timeout):
            return None
        return max(at for _, _, at in self.tally.done)

    def collect(self) -> None:
        """After :meth:`stop`: fill in what the scheduler knows about its runs, if it keeps it elsewhere."""

    def due_of_runs(self) -> dict[int, list[float]] | None:
        """Due time of each run that ran, per job, in order; None if the scheduler does not say."""
        per_job: dict[int, list[float]] = {}
        for index, due, _ in self.tally.done:
            per_job.setdefault(index, []).append(due)
        return per_job


def _seconds_job(interval: int) -> Any:
    import schedule

    return schedule.every(interval // 60).minutes if interval % 60 == 0 else schedule.every(interval).seconds


class JobconsoleContender(Contender):
    """jobconsole recording into SQLite. No run listener: the due time of each run and what was
    skipped are read back from the database afterwards, so the benchmark adds no work to the
    engine's own threads (jobconsole calls listeners on its dispatch thread)."""

    name = "jobconsole"
    records = True

    def __init__(self, tally: Tally, db_dir: Path) -> None:
        super().__init__(tally)
        from benchmarks.clock import FreezableClock
        from jobconsole import JobScheduler

        self.database_path = db_dir / "jobconsole-runs.db"
        self.database_url = f"sqlite:///{self.database_path}"
        self.clock = FreezableClock()
        self.scheduler = JobScheduler(database_url=self.database_url, notifiers=[], clock=self.clock)
        self._t0 = 0.0
        self._interval = 0
        self.finished_events = 0

    def add_jobs(self, n: int, interval: int, t0: float) -> None:
        self._t0, self._interval = t0, interval
        for index in range(n):
            self.scheduler.register(
                f"job-{index:05d}", functools.partial(_body, self.tally, index), job_schedule=_seconds_job(interval)
            )

    def start(self) -> None:
        self.clock.freeze(datetime.fromtimestamp(self._t0 - self._interval, UTC))
        try:
            self.scheduler.start()
        finally:
            self.clock.thaw()

    def stop(self) -> None:
        self.scheduler.shutdown(5.0)

    def flush(self) -> None:
        self.scheduler.flush(120.0)

    def wait_finished(self, timeout: float) -> float | None:
        """All bodies returned, then every run is in the database with its final status."""
        deadline = time.time() + timeout
        if not self.tally.all_bodies.wait(timeout):
            return None
        while time.time() < deadline:
            self.scheduler.flush(max(deadline - time.time(), 0.0))
            if self.recorded_final() >= self.tally.expect_done:
                return time.time()
            time.sleep(0.002)
        return None

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.database_path)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def recorded_final(self) -> int:
        """How many runs the database holds with their final status."""
        ((count,),) = self._query("SELECT count(*) FROM scheduled_job_runs WHERE status != 'running'")
        return int(count)

    def collect(self) -> None:
        """Each run's job and due time from the database (stored as naive UTC text), in run order."""
        rows = self._query("SELECT job_name, scheduled_for, status FROM scheduled_job_runs ORDER BY id")
        for job_name, scheduled_for, status in rows:
            index = int(job_name.removeprefix("job-"))
            due = datetime.fromisoformat(scheduled_for).replace(tzinfo=UTC).timestamp() if scheduled_for else 0.0
            if status == "skipped":
                self.tally.missed.append((index, due))
            elif status != "running":
                self.tally.done.append((index, due, math.nan))
        self.finished_events = sum(1 for row in rows if row[2] != "running")


class APSchedulerContender(Contender):
    name = "apscheduler"

    def __init__(self, tally: Tally) -> None:
        super().__init__(tally)
        from apscheduler.events import (
            EVENT_JOB_ERROR,
            EVENT_JOB_EXECUTED,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
        )
        from apscheduler.schedulers.background import BackgroundScheduler

        self.scheduler = BackgroundScheduler()

        def on_event(event: Any) -> None:
            index = int(event.job_id)
            if event.code in (EVENT_JOB_EXECUTED, EVENT_JOB_ERROR):
                tally.note_done(index, event.scheduled_run_time.timestamp())
            elif event.code == EVENT_JOB_MISSED:
                tally.missed.append((index, event.scheduled_run_time.timestamp()))
            else:
                tally.missed.extend((index, due.timestamp()) for due in event.scheduled_run_times)

        self.scheduler.add_listener(
            on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )

    def add_jobs(self, n: int, interval: int, t0: float) -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        start = datetime.fromtimestamp(t0, UTC)
        for index in range(n):
            self.scheduler.add_job(
                _body,
                IntervalTrigger(seconds=interval, start_date=start, timezone=UTC),
                args=(self.tally, index),
                id=str(index),
                misfire_grace_time=None,
            )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)


class ScheduleContender(Contender):
    name = "schedule"

    def __init__(self, tally: Tally) -> None:
        super().__init__(tally)
        import schedule

        schedule.clear()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="schedule-loop", daemon=True)

    def _loop(self) -> None:
        import schedule

        # The loop every schedule user writes.
        while not self._stop.is_set():
            schedule.run_pending()
            time.sleep(1)

    def add_jobs(self, n: int, interval: int, t0: float) -> None:
        first = datetime.fromtimestamp(t0)  # schedule keeps naive local times
        tally = self.tally
        for index in range(n):
            job = _seconds_job(interval).do(self._body, tally, index)
            job.next_run = first

    @staticmethod
    def _body(tally: Tally, index: int) -> None:
        started = time.time()
        tally.body.append((index, started, time.time()))
        tally.note_done(index, float("nan"))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def due_of_runs(self) -> dict[int, list[float]] | None:
        return None


def make_contender(name: str, tally: Tally, db_dir: Path) -> Contender:
    if name == "jobconsole":
        return JobconsoleContender(tally, db_dir)
    if name == "apscheduler":
        return APSchedulerContender(tally)
    if name == "schedule":
        return ScheduleContender(tally)
    raise ValueError(f"unknown contender {name!r}; choose one of {', '.join(CONTENDERS)}")


def wait_until(moment: float, sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep until time.time() reaches ``moment``."""
    while (left := moment - time.time()) > 0:
        sleep(min(left, 0.5))

