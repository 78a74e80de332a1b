"""A seeded, deterministic scheduler for the console's tests and screenshots.

:class:`SeededScheduler` implements the console's side of
:class:`jobconsole.interface.EmbeddedScheduler` over data made from a fixed
random seed and a frozen clock, so every screen it produces is the same on
every machine. Its ``history`` answers :class:`HistoryQuery` the way the store
does (keyset pages, newest first, job and failure filters) and records every
query, so tests can check that the console never asks for the whole table.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from jobconsole.interface import (
    LiveRunView,
    LiveState,
    CommandRecord,
    CommandResult,
    EngineSnapshot,
    EngineState,
    JobView,
    StoreUnavailableError,
)
from jobconsole.humanize import limit
from jobconsole.runs import (
    FINISHED_STATUSES,
    EndedBy,
    HistoryPage,
    HistoryQuery,
    JobStats,
    PageDirection,
    RunMode,
    RunRecord,
    RunStatus,
    TriggeredBy,
)

FROZEN_NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)
SEED = 20261126
MARKUP_ERROR = "Feed rejected: [red]markup[/red] must stay literal\x1b[2J\x1b[31m and this is not red\x1b[0m"
"""The error of one run: console markup and escape sequences that must never be interpreted."""


_RUNNING_JOBS = ("scrape_mep_meetings", "clean_up_embeddings")
"""The jobs whose runs are in progress, in the order of ``running_fractions``."""


def frozen_clock() -> datetime:
    return FROZEN_NOW


@dataclass(frozen=True)
class SeedJob:
    name: str
    schedule: str
    run_mode: RunMode
    timeout_seconds: float
    every: timedelta
    next_run: datetime
    paused: bool = False


SEED_JOBS: tuple[SeedJob, ...] = (
    SeedJob(
        "scrape_mep_meetings",
        "every 10 minutes",
        RunMode.PROCESS,
        600,
        timedelta(minutes=10),
        FROZEN_NOW + timedelta(minutes=7),
    ),
    SeedJob(
        "send_smart_alerts",
        "every 30 minutes",
        RunMode.THREAD,
        900,
        timedelta(minutes=30),
        FROZEN_NOW + timedelta(minutes=3, seconds=12),
    ),
    SeedJob(
        "import_vendor_feed",
        "every hour at 00:45",
        RunMode.THREAD,
        300,
        timedelta(hours=1),
        FROZEN_NOW + timedelta(minutes=15),
    ),
    SeedJob(
        "flaky_report",
        "every 15 minutes",
        RunMode.THREAD,
        120,
        timedelta(minutes=15),
        FROZEN_NOW + timedelta(minutes=11, seconds=40),
    ),
    SeedJob(
        "clean_up_embeddings",
        "every day at 03:00",
        RunMode.THREAD,
        1800,
        timedelta(days=1),
        FROZEN_NOW + timedelta(hours=17, minutes=30),
    ),
    SeedJob(
        "send_weekly_newsletter",
        "every monday at 08:00",
        RunMode.THREAD,
        900,
        timedelta(days=7),
        datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    ),
)

_ERRORS = {
    "flaky_report": ("ZeroDivisionError: division by zero", "report = totals['sent'] / totals['days']"),
    "scrape_mep_meetings": (
        "ValueError: meeting page 17 has no date: 'Agenda – TBC'",
        "meeting = parse_meeting(html)",
    ),
    "send_smart_alerts": ("SMTPRecipientsRefused: 2 of 40 alerts not delivered", "deliver(alert)"),
    "import_vendor_feed": ("ConnectionResetError: [Errno 104] Connection reset by peer", "rows = fetch_feed(url)"),
    "clean_up_embeddings": ("RuntimeError: batch 12 failed to commit", "session.commit()"),
    "send_weekly_newsletter": ("KeyError: 'subscribers'", "recipients = config['subscribers']"),
}


def make_traceback(job: str, error: str, line: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/jobconsole/engine/runner.py", line 88, in run_job\n'
        "    result = job.func(stop_event)\n"
        f'  File "/srv/app/sample_jobs/{job}.py", line 42, in {job}\n'
        f"    {line}\n"
        f'  File "/srv/app/sample_jobs/{job}.py", line 117, in helper\n'
        "    raise\n"
        f"{error}\n"
    )


class SeededScheduler:
    """A scheduler made of seeded data; commands change it as the engine would.

    ``running_fractions`` places runs in progress at those fractions of their
    timeout (a process job, then a thread job); ``extra_states`` adds a run
    being stopped and one that timed out and is still running.
    """

    def __init__(
        self,
        *,
        jobs: bool = True,
        history_size: int = 300,
        running_fractions: tuple[float, ...] = (0.3, 0.95),
        extra_states: bool = False,
        demo: bool = True,
        now: datetime = FROZEN_NOW,
    ) -> None:
        self._lock = threading.Lock()
        self.now = now
        self.demo = demo
        self.jobs: list[SeedJob] = list(SEED_JOBS) if jobs else []
        self.active: dict[int, LiveRunView] = {}
        self.records: dict[int, RunRecord] = {}
        self.revision = 1
        self.state = EngineState.STARTING
        self.store_ok = True
        self.commands: dict[int, list[CommandRecord]] = {}
        """Operators' commands by the run they started or stopped (the run detail's audit trail)."""
        self.attached_to: str | None = None
        """Set: the console draws as if attached to a headless scheduler (which one, in words)."""
        self.read_only = False
        self.pending_records = 0
        self.snapshot_error: Exception | None = None
        self.history_error: Exception | None = None
        self.detail_error: Exception | None = None
        self.history_calls: list[HistoryQuery] = []
        self.stats_calls: list[str] = []
        self.triggered: list[str] = []
        self.stopped: list[int] = []
        self.started = threading.Event()
        self.shut_down = threading.Event()
        self.shutdown_gate: threading.Event | None = None
        """Set: shutdown() first says it is stopping (grace 10 s from ``now``) and waits for this event,
        as a shutdown waiting for runs that have not stopped yet does."""
        self.shutdown_deadline: datetime | None = None
        self.stopping = threading.Event()
        """Set when a gated shutdown has begun."""
        if jobs:
            self._seed(history_size, running_fractions, extra_states)

    # --- seeding -------------------------------------------------------------------------

    def _seed(self, size: int, fractions: tuple[float, ...], extra_states: bool) -> None:
        """History and runs in progress, with ids in order of start as the store assigns them."""
        rng = random.Random(SEED)
        placements = [
            (self.job(name), fraction, LiveState.RUNNING)
            for name, fraction in zip(_RUNNING_JOBS, fractions, strict=False)
        ]
        if extra_states:
            placements += [
                (self.job("send_smart_alerts"), 0.5, LiveState.STOPPING),
                (self.job("flaky_report"), 1.04, LiveState.OVERDUE),
            ]
        running_since = {
            job.name: self.now - timedelta(seconds=job.timeout_seconds * fraction) for job, fraction, _ in placements
        }
        statuses = [RunStatus.SUCCEEDED] * 30 + [RunStatus.FAILED] * 4 + [RunStatus.TIMED_OUT] * 2
        statuses += [RunStatus.STOPPED, RunStatus.SKIPPED, RunStatus.ABANDONED]
        events: list[tuple[datetime, SeedJob, RunStatus | float, LiveState | None]] = []
        started = self.now - timedelta(seconds=50)
        for _ in range(size):
            job = rng.choice(self.jobs)
            status = rng.choice(statuses)
            if job.name in running_since and started > running_since[job.name]:
                status = RunStatus.SKIPPED
            events.append((started, job, status, None))
            started -= timedelta(seconds=rng.randint(60, 420))
        events += [(running_since[job.name], job, fraction, state) for job, fraction, state in placements]
        events.sort(key=lambda event: event[0])
        markup_at = len(events) - 3
        for run_id, (start, job, status, state) in enumerate(events, start=1):
            if state is not None:
                self._start_run(job, start, TriggeredBy.SCHEDULED, state)
                continue
            assert isinstance(status, RunStatus)
            record = self._finished_record(run_id, job, status, start, rng)
            if run_id == markup_at:
                feed = self.job("import_vendor_feed")
                record = replace(
                    self._finished_record(run_id, feed, RunStatus.FAILED, start, rng),
                    error_message=MARKUP_ERROR,
                    traceback=make_traceback(feed.name, f"FeedError: {MARKUP_ERROR}", "rows = fetch_feed(url)"),
                )
            self.records[run_id] = record

    def _finished_record(
        self, run_id: int, job: SeedJob, status: RunStatus, start: datetime, rng: random.Random
    ) -> RunRecord:
        if status is RunStatus.SKIPPED:
            return RunRecord(
                id=run_id,
                job_name=job.name,
                triggered_by=TriggeredBy.SCHEDULED,
                status=status,
                run_mode=job.run_mode,
                scheduled_for=start,
                started_at=start,
                finished_at=start,
                duration_ms=0,
                success=None,
                message=f"{job.name} was still running when due",
            )
        if status is RunStatus.TIMED_OUT:
            seconds = job.timeout_seconds + rng.uniform(0.1, 4)
        else:
            seconds = rng.uniform(0.2, job.timeout_seconds * 0.4)
        error = trace = None
        ended_by = EndedBy.RETURNED
        if status is RunStatus.FAILED:
            error, line = _ERRORS[job.name]
            trace = make_traceback(job.name, error, line)
            ended_by = EndedBy.RAISED
        elif status is RunStatus.TIMED_OUT:
            # As the engine writes it (jobconsole.engine.stopping).
            error = f"timed out after {limit(job.timeout_seconds)}"
            ended_by = EndedBy.TERMINATED if job.run_mode is RunMode.PROCESS else EndedBy.STOP_EVENT
        elif status is RunStatus.ABANDONED:
            error = "the scheduler stopped while this run was in progress (found at startup)"
            ended_by = EndedBy.CRASHED
        elif status is RunStatus.STOPPED:
            ended_by = EndedBy.STOP_EVENT
        processed = rng.randint(50, 5000) if job.name in ("scrape_mep_meetings", "import_vendor_feed") else None
        added = rng.randint(0, processed // 10) if processed else None
        return RunRecord(
            id=run_id,
            job_name=job.name,
            triggered_by=TriggeredBy.MANUAL if rng.random() < 0.1 else TriggeredBy.SCHEDULED,
            status=status,
            run_mode=job.run_mode,
            scheduled_for=start,
            started_at=start,
            finished_at=start + timedelta(seconds=seconds),
            deadline_at=start + timedelta(seconds=job.timeout_seconds),
            success=True if status is RunStatus.SUCCEEDED else (False if status.is_failure else None),
            error_message=error,
            traceback=trace,
            lines_added=added,
            lines_processed=processed,
            duration_ms=int(seconds * 1000),
            ended_by=ended_by,
            exit_code=0 if job.run_mode is RunMode.PROCESS else None,
            host="app-01",
            pid=4000 + run_id if job.run_mode is RunMode.PROCESS else 1234,
        )

    def _start_run(self, job: SeedJob, started: datetime, triggered_by: TriggeredBy, state: LiveState) -> LiveRunView:
        run_id = max(self.records, default=0) + 1
        # Seeding passes runs in order of start, so the next id is the one after the newest record.
        deadline = started + timedelta(seconds=job.timeout_seconds)
        pid = 5000 + run_id if job.run_mode is RunMode.PROCESS else None
        run = LiveRunView(run_id, job.name, job.run_mode, triggered_by, started, deadline, pid, state)
        self.active[run_id] = run
        self.records[run_id] = RunRecord(
            id=run_id,
            job_name=job.name,
            triggered_by=triggered_by,
            status=RunStatus.RUNNING,
            run_mode=job.run_mode,
            scheduled_for=started if triggered_by is TriggeredBy.SCHEDULED else None,
            started_at=started,
            deadline_at=deadline,
            host="app-01",
            pid=pid or 1234,
        )
        return run

    # --- helpers for tests ----------------------------------------------------------------

    def job(self, name: str) -> SeedJob:
        return next(job for job in self.jobs if job.name == name)

    def newest(self, *, failed: bool = False) -> RunRecord:
        rows = sorted(self.records.values(), key=lambda record: -record.id)
        return next(record for record in rows if not failed or record.status.is_failure)

    def trigger_and_finish(self, job_name: str, status: RunStatus = RunStatus.SUCCEEDED) -> int:
        """A run of ``job_name`` that starts and ends at once: one more row at the top of History."""
        result = self.trigger(job_name)
        assert result.run_id is not None, result.message
        self.finish_run(result.run_id, status)
        return result.run_id

    def finish_run(self, run_id: int, status: RunStatus, *, error: str | None = None) -> None:
        """End a run in progress, as the engine would record it."""
        with self._lock:
            self.active.pop(run_id)
            record = self.records[run_id]
            self.records[run_id] = replace(
                record,
                status=status,
                finished_at=self.now,
                success=True if status is RunStatus.SUCCEEDED else (False if status.is_failure else None),
                error_message=error,
                duration_ms=int((self.now - record.started_at).total_seconds() * 1000),
            )
            self.revision += 1

    # --- SchedulerInterface ---------------------------------------------------------------

    def start(self) -> None:
        self.state = EngineState.RUNNING
        self.started.set()

    def shutdown(self, grace_seconds: float | None = None) -> None:
        if self.shutdown_gate is not None:
            with self._lock:
                self.state = EngineState.STOPPING
                self.shutdown_deadline = self.now + timedelta(seconds=10 if grace_seconds is None else grace_seconds)
            self.stopping.set()
            self.shutdown_gate.wait(30)
        with self._lock:
            for run_id in list(self.active):
                record = self.records[run_id]
                self.records[run_id] = replace(
                    record, status=RunStatus.STOPPED, finished_at=self.now, ended_by=EndedBy.SHUTDOWN
                )
                del self.active[run_id]
            self.state = EngineState.STOPPED
            self.revision += 1
        self.shut_down.set()

    def snapshot(self) -> EngineSnapshot:
        if self.snapshot_error is not None:
            raise self.snapshot_error
        with self._lock:
            views = tuple(
                sorted(
                    (self._job_view(job) for job in self.jobs),
                    key=lambda view: view.next_run or datetime.max.replace(tzinfo=UTC),
                )
            )
            day_ago = self.now - timedelta(hours=24)
            failures = sum(
                1 for record in self.records.values() if record.status.is_failure and record.started_at >= day_ago
            )
            return EngineSnapshot(
                taken_at=self.now,
                state=self.state,
                database="postgresql+psycopg2://jobs:***@db.internal:5432/jobs",
                demo=self.demo,
                jobs=views,
                running=tuple(sorted(self.active.values(), key=lambda run: run.started_at)),
                failures_24h=failures,
                revision=self.revision,
                store_ok=self.store_ok,
                pending_records=self.pending_records,
                attached_to=self.attached_to,
                read_only=self.read_only,
                shutdown_deadline=self.shutdown_deadline,
            )

    def _job_view(self, job: SeedJob) -> JobView:
        finished = [
            record.status
            for record in sorted(self.records.values(), key=lambda r: r.id)
            if record.job_name == job.name and record.status.is_final
        ]
        running = next((run.run_id for run in self.active.values() if run.job_name == job.name), None)
        return JobView(
            name=job.name,
            schedule=job.schedule,
            next_run=job.next_run,
            last_status=finished[-1] if finished else None,
            run_mode=job.run_mode,
            timeout_seconds=job.timeout_seconds,
            recent=tuple(finished[-10:]),
            running_run_id=running,
            paused=job.paused,
        )

    def history(self, query: HistoryQuery) -> HistoryPage:
        self.history_calls.append(query)
        if self.history_error is not None:
            raise self.history_error
        with self._lock:
            rows = [
                record
                for record in sorted(self.records.values(), key=lambda record: -record.id)
                if (query.job_name is None or record.job_name == query.job_name)
                and (query.job_contains is None or query.job_contains.lower() in record.job_name.lower())
                # As the store does: "failures only" means success is False.
                and (not query.failures_only or record.success is False)
                and (not query.statuses or record.status in query.statuses)
            ]
        return keyset_page(rows, query)

    def next_runs(self, job_name: str, count: int = 5) -> tuple[datetime, ...]:
        job = next((job for job in self.jobs if job.name == job_name), None)
        if job is None:
            return ()
        return tuple(job.next_run + index * job.every for index in range(count))

    def job_stats(self, job_name: str, last: int = 100) -> JobStats:
        """As the store works them out, from the seeded records."""
        self.stats_calls.append(job_name)
        if self.history_error is not None:
            raise self.history_error
        with self._lock:
            finished = [
                record
                for record in sorted(self.records.values(), key=lambda record: record.id)
                if record.job_name == job_name and record.status in FINISHED_STATUSES
            ][-last:]
        return JobStats.of(job_name, [(record.status, record.duration_ms) for record in finished])

    def run_detail(self, run_id: int) -> RunRecord | None:
        if self.detail_error is not None:
            raise self.detail_error
        with self._lock:
            return self.records.get(run_id)

    def run_commands(self, run_id: int) -> list[CommandRecord]:
        return list(self.commands.get(run_id, ()))

    def trigger(self, job_name: str) -> CommandResult:
        with self._lock:
            self.triggered.append(job_name)
            job = next((job for job in self.jobs if job.name == job_name), None)
            if job is None:
                return CommandResult(False, f"no job named {job_name!r}")
            running = next((run for run in self.active.values() if run.job_name == job_name), None)
            if running is not None:
                return CommandResult(
                    False, f"{job_name} is already running (run #{running.run_id}); a job never runs twice at once"
                )
            run = self._start_run(job, self.now, TriggeredBy.MANUAL, LiveState.RUNNING)
            self.revision += 1
            return CommandResult(True, f"started {job_name} as run #{run.run_id}", run.run_id)

    def stop(self, run_id: int) -> CommandResult:
        with self._lock:
            self.stopped.append(run_id)
            run = self.active.get(run_id)
            if run is None:
                record = self.records.get(run_id)
                if record is None:
                    return CommandResult(False, f"no run #{run_id}")
                return CommandResult(False, f"run #{run_id} already ended ({record.status.value})")
            self.active[run_id] = replace(run, state=LiveState.STOPPING)
            return CommandResult(True, f"stopping run #{run_id} ({run.job_name})", run_id)

    def pause(self, job_name: str) -> CommandResult:
        return self._set_paused(job_name, True)

    def resume(self, job_name: str) -> CommandResult:
        return self._set_paused(job_name, False)

    def _set_paused(self, job_name: str, paused: bool) -> CommandResult:
        with self._lock:
            index = next((i for i, job in enumerate(self.jobs) if job.name == job_name), None)
            if index is None:
                return CommandResult(False, f"no job named {job_name!r}")
            if self.jobs[index].paused == paused:
                return CommandResult(False, f"{job_name} is {'already paused' if paused else 'not paused'}")
            self.jobs[index] = replace(self.jobs[index], paused=paused)
            return CommandResult(True, f"{'paused' if paused else 'resumed'} {job_name}")


def keyset_page(rows: list[RunRecord], query: HistoryQuery) -> HistoryPage:
    """One page of ``rows`` (already filtered, newest first) as the store answers ``query``."""
    limit = query.limit
    if query.direction is PageDirection.NEWEST:
        page = rows[:limit]
    elif query.direction is PageDirection.OLDEST:
        page = rows[-limit:] if limit else []
    elif query.direction is PageDirection.OLDER:
        assert query.anchor_id is not None, "OLDER needs an anchor_id"
        page = [row for row in rows if row.id < query.anchor_id][:limit]
    else:
        assert query.anchor_id is not None, "NEWER needs an anchor_id"
        newer = [row for row in rows if row.id > query.anchor_id]
        page = newer[-limit:] if limit else []
    if not page:
        anchor = query.anchor_id
        return HistoryPage(
            rows=(),
            has_older=anchor is not None and any(row.id < anchor for row in rows),
            has_newer=anchor is not None and any(row.id > anchor for row in rows),
        )
    return HistoryPage(
        rows=tuple(page),
        has_older=any(row.id < page[-1].id for row in rows),
        has_newer=any(row.id > page[0].id for row in rows),
    )


__all__ = ["FROZEN_NOW", "MARKUP_ERROR", "SeededScheduler", "StoreUnavailableError", "frozen_clock", "keyset_page"]
