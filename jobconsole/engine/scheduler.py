"""The scheduler: register jobs, dispatch them on time, run them, record every run.

:class:`JobScheduler` is the engine's facade and implements the console's
:class:`~jobconsole.interface.SchedulerInterface`. Its moving parts live in
their own modules: the timer loop (the one sleeping thread), the worker pool
(thread runs and process watchers), process runs, and the recorder that writes
to the store through outages.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import schedule

from jobconsole.engine.active import LiveRun, duration_ms
from jobconsole.engine.clock import Clock, SystemClock
from jobconsole.engine.events import RunEvent, RunFinished, RunStarted, RunTimedOut
from jobconsole.engine.jobs import OWNER_ATTRIBUTE, JobSpec, build_job_spec
from jobconsole.engine.outcome import Outcome, outcome_of_exception, outcome_of_return
from jobconsole.engine.pool import WorkerPool
from jobconsole.engine.process_runs import ChildProcess, describe_exit, prepare_fork_server
from jobconsole.engine.recorder import Pending, RunRecorder
from jobconsole.engine.spool import Spool
from jobconsole.engine.timers import TimerHandle, TimerLoop
from jobconsole.interface import (
    ActiveState,
    CommandResult,
    EngineSnapshot,
    EngineState,
    JobView,
    StoreUnavailableError,
)
from jobconsole.notify.dispatch import NotifierSet, default_notifiers
from jobconsole.notify.notice import FailureNotice, Notifier
from jobconsole.runs import (
    EndedBy,
    HistoryPage,
    HistoryQuery,
    RunMode,
    RunRecord,
    RunStatus,
    RunUpdate,
    TriggeredBy,
)
from jobconsole.store import DEFAULT_DATABASE_URL, RunStore, open_store

log = logging.getLogger("jobconsole.engine")

_TRAIL = 10
_START_CHUNK = 256
_GIVE_WAY_SECONDS = 0.05
_WRITE_CLEARANCE_SECONDS = 0.05
"""The recorder starts no write this close before runs are due."""
_GIVE_WAY_STEP = 0.0005
_MISFIRE_LIMIT = timedelta(seconds=60)
"""Occurrences more than this late are counted as missed (one skipped row) instead of run one by one."""


def _pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SchedulerBusyError(RuntimeError):
    """Another scheduler already runs on this database."""


@dataclass
class _Effects:
    """What a change made under the lock must tell other threads, applied once the lock is released."""

    records: list[Pending] = field(default_factory=list)
    tasks: list[LiveRun] = field(default_factory=list)
    events: list[RunEvent] = field(default_factory=list)
    notices: list[RunRecord] = field(default_factory=list)
    done: list[threading.Event] = field(default_factory=list)


def _module_of(func: Callable[..., Any]) -> str:
    """The module that defines ``func`` (looking through functools.partial)."""
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__module__", None) or "__main__"


def _minutes(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes:g} min"


class JobScheduler:
    """Runs registered jobs on their schedules and records every run.

    ``store`` (or ``database_url``) is where runs are recorded; without either,
    :meth:`start` opens the default SQLite file. ``grace_seconds`` is how long a
    process run gets to honour its stop_event before SIGTERM, and
    ``kill_after_seconds`` how long after SIGTERM before SIGKILL.
    """

    def __init__(
        self,
        store: RunStore | None = None,
        *,
        database_url: str | None = None,
        notifiers: Sequence[Notifier] | None = None,
        clock: Clock | None = None,
        grace_seconds: float = 10.0,
        kill_after_seconds: float = 5.0,
        record_flush_seconds: float = 10.0,
        spool_dir: str | os.PathLike[str] | None = None,
        process_output: str | None = None,
        demo: bool = False,
    ) -> None:
        self._store = store
        self._owns_store = False
        self._database_url = database_url
        self._notifier_list = None if notifiers is None else list(notifiers)
        self._clock: Clock = clock or SystemClock()
        self.grace_seconds = grace_seconds
        self.kill_after_seconds = kill_after_seconds
        self.record_flush_seconds = record_flush_seconds
        self.spool_dir = Path(spool_dir) if spool_dir is not None else Path.cwd() / ".jobconsole-spool"
        self.process_output = process_output
        """A file that process runs' stdout and stderr go to; None: the scheduler's own."""
        self.demo = demo

        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._schedule = schedule.Scheduler()
        self._specs: dict[str, JobSpec] = {}
        self._next_due: dict[str, datetime | None] = {}
        # Due jobs and run deadlines live in heaps of their own; the timer loop holds
        # one entry for each heap's earliest item, so a thousand jobs due at one
        # instant are dispatched in one batch under one lock.
        self._due_heap: list[tuple[datetime, int, str]] = []
        self._due_timer: TimerHandle | None = None
        self._due_timer_at: datetime | None = None
        self._deadline_heap: list[tuple[datetime, int]] = []
        self._deadline_timer: TimerHandle | None = None
        self._deadline_timer_at: datetime | None = None
        self._stale_deadlines = 0
        self._seq = itertools.count()
        # Workers hand finished runs over here; the timer thread records them in batches.
        self._completions: deque[tuple[LiveRun, Outcome, EndedBy, int | None]] = deque()
        self._completion_wake = False
        self._active: dict[int, LiveRun] = {}
        self._active_by_job: dict[str, LiveRun] = {}
        self._recent: dict[str, deque[RunStatus]] = {}
        self._job_views: dict[str, tuple[JobSpec, JobView]] = {}
        """Each job's view as last handed out by snapshot(), and the spec it was made from."""
        self._failures: deque[datetime] = deque()
        self._listeners: list[Callable[[RunEvent], None]] = []
        self._state = EngineState.STOPPED
        self._start_done = threading.Event()
        """Set when start() has returned or raised: shutdown() waits for it."""
        self._stopped = threading.Event()
        """Set when a shutdown has finished: a second caller of shutdown() waits for it."""
        self._started_once = False
        self._trails_loaded = False
        """Past outcomes are read from the store on the first snapshot: headless runs never need them."""
        self._revision = 0
        self._last_id = 0
        self._host = socket.gethostname()
        self._pid = os.getpid()
        self._origin = (self._host, self._pid)

        self._timers = TimerLoop(self._clock)
        self._pool: WorkerPool[LiveRun] = WorkerPool(self._execute)
        self._recorder: RunRecorder | None = None
        self._notifiers: NotifierSet | None = None

    # -- configuration -----------------------------------------------------

    def configure(
        self,
        *,
        store: RunStore | None = None,
        database_url: str | None = None,
        notifiers: Sequence[Notifier] | None = None,
        grace_seconds: float | None = None,
        kill_after_seconds: float | None = None,
        spool_dir: str | os.PathLike[str] | None = None,
        process_output: str | None = None,
        demo: bool | None = None,
    ) -> None:
        """Set options before :meth:`start` (for the module-level default scheduler)."""
        if self._started_once:
            raise RuntimeError("configure() must be called before start()")
        if store is not None:
            self._store = store
        if database_url is not None:
            self._database_url = database_url
        if notifiers is not None:
            self._notifier_list = list(notifiers)
        if grace_seconds is not None:
            self.grace_seconds = grace_seconds
        if kill_after_seconds is not None:
            self.kill_after_seconds = kill_after_seconds
        if spool_dir is not None:
            self.spool_dir = Path(spool_dir)
        if process_output is not None:
            self.process_output = process_output
        if demo is not None:
            self.demo = demo

    def add_listener(self, listener: Callable[[RunEvent], None]) -> None:
        """Call ``listener`` with every run event, on the engine's threads; keep it quick."""
        self._listeners.append(listener)

    @property
    def job_names(self) -> list[str]:
        with self._lock:
            return list(self._specs)

    @property
    def store(self) -> RunStore | None:
        return self._store

    def register(
        self,
        name: str,
        func: Callable[[Any], Any],
        job_schedule: schedule.Job,
        run_in_process: bool = False,
        timeout_minutes: float = 15,
    ) -> None:
        """Register a job; raises ValueError naming the job and the problem."""
        spec = build_job_spec(name, func, job_schedule, run_in_process, timeout_minutes)
        with self._lock:
            if name in self._specs:
                raise ValueError(f"job {name!r} is already registered; job names must be unique")
            # The builder belongs to this scheduler's own schedule.Scheduler from now
            # on, never to the library's global one that the host app may run.
            job_schedule.scheduler = self._schedule
            job_schedule.do(spec.func)
            setattr(job_schedule, OWNER_ATTRIBUTE, name)
            self._specs[name] = spec
            self._recent[name] = deque(maxlen=_TRAIL)
            if self._state is EngineState.RUNNING:
                self._trails_loaded = False
                self._arm(name, spec.cadence.first_run(self._clock.now()))

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Open the store, mark runs left behind by a dead scheduler abandoned, start dispatching.

        Raises StoreConfigError / StoreUnavailableError if the database can't be used.
        """
        with self._lock:
            if self._started_once:
                raise RuntimeError("this scheduler was already started")
            self._started_once = True
            self._state = EngineState.STARTING
        try:
            self._start_up()
        finally:
            self._start_done.set()

    def _start_up(self) -> None:
        if self._store is None:
            self._store = open_store(self._database_url or DEFAULT_DATABASE_URL)
            self._owns_store = True
        store = self._store
        holder = store.claim_for_scheduler(f"pid {self._pid} on {self._host}")
        if holder is not None:
            with self._lock:
                self._state = EngineState.STOPPED
            raise SchedulerBusyError(
                f"another scheduler ({holder}) is already running on {store.url_label}; "
                "stop it first: one scheduler per database"
            )
        self._notifiers = NotifierSet(
            default_notifiers(os.environ) if self._notifier_list is None else self._notifier_list
        )
        self._replay_spool(store)
        self._abandon_stale_runs(store)
        now = self._clock.now()
        with self._lock:
            self._last_id = store.max_run_id()
            self._failures.extend(sorted(store.failure_times_since(now - timedelta(hours=24))))
        self.prepare_process_runs()
        self._recorder = RunRecorder(store, busy=self._runs_starting)
        self._recorder.start()
        self._timers.start()
        with self._lock:
            for name, spec in self._specs.items():
                self._arm(name, spec.cadence.first_run(now))
            self._state = EngineState.RUNNING
        log.info("scheduler started with %d jobs; recording runs in %s", len(self._specs), store.url_label)

    def prepare_process_runs(self) -> None:
        """Start the fork server for process runs, with the job modules preloaded.

        :meth:`start` does this; call it earlier to do it before a UI takes over the terminal.
        """
        with self._lock:
            modules = [_module_of(s.func) for s in self._specs.values() if s.run_mode is RunMode.PROCESS]
        if modules:
            prepare_fork_server(modules)

    def shutdown(self, grace_seconds: float | None = None) -> None:
        """Stop dispatching, stop runs in progress (recorded ``stopped``) and write every record.

        Thread runs get ``grace_seconds`` to honour their stop_event; process runs
        are escalated (SIGTERM, then SIGKILL) as on a timeout.
        """
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        with self._lock:
            starting = self._state is EngineState.STARTING
        if starting:
            # start() is under way in another thread (an operator quit at once): let it finish first.
            self._start_done.wait()
        with self._lock:
            if self._state is EngineState.STOPPED:
                return
            elsewhere = self._state is EngineState.STOPPING
            runs = [] if elsewhere else self._begin_stopping(grace)
        if elsewhere:
            # Another thread is shutting down: return once it has, with every record written.
            self._stopped.wait()
            return
        try:
            self._wind_down(runs, grace)
        finally:
            self._stopped.set()
        log.info("scheduler stopped")

    def _begin_stopping(self, grace: float) -> list[LiveRun]:
        """Under the lock: dispatch no more, ask every run in progress to stop; returns those runs."""
        self._state = EngineState.STOPPING
        if self._due_timer is not None:
            self._due_timer.cancel()
        self._due_timer = self._due_timer_at = None
        self._due_heap.clear()
        for name in self._next_due:
            self._next_due[name] = None
        runs = list(self._active.values())
        for run in runs:
            self._request_stop(run, "shutdown", grace)
        return runs

    def _wind_down(self, runs: list[LiveRun], grace: float) -> None:
        """Wait for ``runs`` to end (recording those that don't), write every record, close down."""
        if runs:
            log.info("shutting down: asked %d runs in progress to stop", len(runs))
        wait_for = grace + (self.kill_after_seconds + 1.0 if any(r.child for r in runs) else 0.0)
        deadline = self._clock.now() + timedelta(seconds=wait_for)
        with self._lock:
            while self._active and self._clock.now() < deadline:
                self._idle.wait((deadline - self._clock.now()).total_seconds())
            leftovers = list(self._active.values())
        for run in leftovers:
            self._finish(
                run,
                Outcome(success=False, error_message=f"still running {grace:g} s after its stop_event was set"),
                EndedBy.SHUTDOWN,
            )
        self._drain_completions()
        self._timers.stop()
        self._pool.close()
        if self._recorder is not None:
            left = self._recorder.close(self.record_flush_seconds)
            if left and self._store is not None:
                path = Spool(self.spool_dir, self._store.url_label).save(left)
                log.error(
                    "the database stayed unreachable: %d run records saved to %s; "
                    "they are written on the next start", len(left), path,
                )
        if self._notifiers is not None:
            self._notifiers.close(5.0)
        if self._store is not None:
            self._store.release_scheduler_claim()
            if self._owns_store:
                self._store.close()
        with self._lock:
            self._state = EngineState.STOPPED

    def wait_for_run(self, run_id: int, timeout: float | None = None) -> bool:
        """Block until run ``run_id`` has ended (True) or ``timeout`` passed (False)."""
        with self._lock:
            run = self._active.get(run_id)
            if run is None:
                return True
            if run.done is None:
                run.done = threading.Event()
            done = run.done
        return done.wait(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record made so far is in the database."""
        return self._recorder.flush(timeout) if self._recorder is not None else True

    # -- commands ----------------------------------------------------------

    def run_job(self, name: str) -> CommandResult:
        """Start a run of ``name`` now, unless one is already in progress (the result says why)."""
        with self._lock:
            spec = self._specs.get(name)
            if spec is None:
                return CommandResult(False, f"no job named {name!r}")
            if self._state is not EngineState.RUNNING:
                return CommandResult(False, f"the scheduler is {self._state.value}; it starts no runs")
        with self._locked() as effects:
            return self._dispatch(spec, TriggeredBy.MANUAL, None, effects)

    def stop_run(self, run_id: int) -> CommandResult:
        """Set the run's stop_event; a process run is then escalated as on a timeout."""
        with self._lock:
            run = self._active.get(run_id)
            if run is None:
                return CommandResult(False, f"run {run_id} is not in progress, so there is nothing to stop")
            if run.stop_reason is not None:
                return CommandResult(False, f"run {run_id} of {run.spec.name} is already being stopped")
            self._request_stop(run, "operator", self.grace_seconds)
        log.info("run %d of %s: stop requested by operator", run_id, run.spec.name)
        if run.child is not None:
            return CommandResult(
                True,
                f"stopping run {run_id} of {run.spec.name}: stop_event set; "
                f"SIGTERM in {self.grace_seconds:g} s if it is still running",
                run_id,
            )
        return CommandResult(True, f"stopping run {run_id} of {run.spec.name}: stop_event set", run_id)

    trigger = run_job
    stop = stop_run

    # -- reading -----------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        now = self._clock.now()
        with self._lock:
            if not self._trails_loaded and self._store is not None:
                self._trails_loaded = True
                self._load_recent([name for name in self._specs if not self._recent[name]])
            cutoff = now - timedelta(hours=24)
            while self._failures and self._failures[0] < cutoff:
                self._failures.popleft()
            jobs = []
            for name, spec in self._specs.items():
                recent = tuple(self._recent[name])
                active = self._active_by_job.get(name)
                next_run = self._next_due.get(name)
                running_run_id = active.run_id if active else None
                viewed_spec, view = self._job_views.get(name, (None, None))
                # The same view while nothing about the job changed: the console then has nothing to redo.
                if (
                    view is None
                    or viewed_spec is not spec
                    or view.next_run != next_run
                    or view.recent != recent
                    or view.running_run_id != running_run_id
                ):
                    view = JobView(
                        name=name,
                        schedule=spec.cadence.describe(),
                        next_run=next_run,
                        last_status=recent[-1] if recent else None,
                        run_mode=spec.run_mode,
                        timeout_seconds=spec.timeout.total_seconds(),
                        recent=recent,
                        running_run_id=running_run_id,
                    )
                    self._job_views[name] = (spec, view)
                jobs.append(view)
            running = tuple(run.view() for run in sorted(self._active.values(), key=lambda r: r.run_id))
            recorder = self._recorder
            return EngineSnapshot(
                taken_at=now,
                state=self._state,
                database=self._store.url_label if self._store is not None else "(not opened)",
                demo=self.demo,
                jobs=tuple(sorted(jobs, key=lambda j: (j.next_run is None, j.next_run or now, j.name))),
                running=running,
                failures_24h=len(self._failures),
                revision=self._revision,
                store_ok=recorder.store_ok if recorder else True,
                pending_records=recorder.pending if recorder else 0,
            )

    def history(self, query: HistoryQuery) -> HistoryPage:
        return self._require_store().history(query)

    def run_detail(self, run_id: int) -> RunRecord | None:
        return self._require_store().get_run(run_id)

    def _runs_starting(self) -> bool:
        """Whether runs are starting or about to: the recorder's thread then waits before writing.

        Writing shares the interpreter with the dispatcher and the workers; a batch of rows
        written while a thousand runs start would make the last of them start late.
        """
        if self._pool.backlog:
            return True
        due = self._due_timer_at
        return due is not None and (due - self._clock.now()).total_seconds() < _WRITE_CLEARANCE_SECONDS

    def _require_store(self) -> RunStore:
        if self._store is None:
            raise StoreUnavailableError("the scheduler has not opened its database yet")
        return self._store

    # -- dispatch (called with or without the lock; takes it) ---------------

    @contextmanager
    def _locked(self) -> Iterator[_Effects]:
        """Hold the lock to change state; what must reach other threads is applied after release."""
        effects = _Effects()
        with self._lock:
            yield effects
        self._apply(effects)

    def _apply(self, effects: _Effects) -> None:
        if effects.records and self._recorder is not None:
            self._recorder.submit_many(effects.records)
        if effects.tasks:
            self._pool.submit_many(effects.tasks)
        for done in effects.done:
            done.set()
        for record in effects.notices:
            self._notify(record)
        for event in effects.events:
            self._emit(event)

    def _arm(self, name: str, due: datetime | None) -> None:
        """Set a job's next due time. Lock held."""
        self._next_due[name] = due
        if due is not None:
            heapq.heappush(self._due_heap, (due, next(self._seq), name))
            self._rearm_due_timer()

    def _rearm_due_timer(self) -> None:
        if not self._due_heap:
            return
        earliest = self._due_heap[0][0]
        if self._due_timer_at is not None and self._due_timer_at <= earliest:
            return
        if self._due_timer is not None:
            self._due_timer.cancel()
        self._due_timer_at = earliest
        self._due_timer = self._timers.call_at(earliest, self._on_due)

    def _on_due(self, _when: datetime) -> None:
        """Dispatch every job that is due, in one batch.

        This is the critical path of a thousand jobs due at one instant: the time
        is read once, a run is a few attributes (its row is built later, by the
        recorder), and runs go to the workers in chunks while the rest are made.
        """
        with self._locked() as effects:
            self._due_timer = self._due_timer_at = None
            if self._state is not EngineState.RUNNING:
                return
            now = self._clock.now()
            missed_before = now - _MISFIRE_LIMIT
            heap = self._due_heap
            next_due = self._next_due
            specs = self._specs
            tasks = effects.tasks
            while heap and heap[0][0] <= now:
                due, _, name = heapq.heappop(heap)
                if next_due.get(name) != due:
                    continue
                spec = specs[name]
                following = spec.cadence.next_after(due)
                if following is not None and following < missed_before:
                    following = self._skip_missed(spec, following, missed_before, effects)
                next_due[name] = following
                if following is not None:
                    heapq.heappush(heap, (following, next(self._seq), name))
                self._start_run(spec, TriggeredBy.SCHEDULED, due, now, effects)
                if len(tasks) >= _START_CHUNK:
                    # Let the first runs of a large batch start while the rest are dispatched.
                    self._pool.submit_many(tasks)
                    tasks.clear()
            self._rearm_due_timer()

    def _skip_missed(
        self, spec: JobSpec, following: datetime, missed_before: datetime, effects: _Effects
    ) -> datetime | None:
        """Record the occurrences too late to run (one skipped row); the first one still to come. Lock held."""
        missed: list[datetime] = []
        next_one: datetime | None = following
        while next_one is not None and next_one < missed_before:
            missed.append(next_one)
            next_one = spec.cadence.next_after(next_one)
        self._record_skipped(
            spec,
            missed[0],
            f"missed {len(missed)} occurrences from {missed[0]:%Y-%m-%d %H:%M:%S} to "
            f"{missed[-1]:%H:%M:%S} UTC: the scheduler was not running on time",
            effects,
        )
        return next_one

    def _dispatch(
        self, spec: JobSpec, triggered_by: TriggeredBy, scheduled_for: datetime | None, effects: _Effects
    ) -> CommandResult:
        """Start a run now, or explain why not. Lock held."""
        started = self._start_run(spec, triggered_by, scheduled_for, self._clock.now(), effects)
        if isinstance(started, str):
            return CommandResult(False, f"{spec.name} is already running: {started}")
        return CommandResult(True, f"started {spec.name} (run {started.run_id})", started.run_id)

    def _start_run(
        self,
        spec: JobSpec,
        triggered_by: TriggeredBy,
        scheduled_for: datetime | None,
        now: datetime,
        effects: _Effects,
    ) -> LiveRun | str:
        """Start a run; if one of the job is still in progress, the reason (recorded for a scheduled one). Lock held."""
        busy = self._active_by_job.get(spec.name)
        if busy is not None:
            age = int((now - busy.started_at).total_seconds())
            reason = f"run {busy.run_id} of {spec.name} is still in progress (started {age} s ago"
            reason += ", timed out and ignoring its stop_event)" if busy.state is ActiveState.OVERDUE else ")"
            if triggered_by is TriggeredBy.SCHEDULED:
                self._record_skipped(spec, scheduled_for, f"skipped: {reason}", effects)
            return reason
        child = (
            ChildProcess(spec.func, f"jobconsole:{spec.name}", self.process_output)
            if spec.run_mode is RunMode.PROCESS
            else None
        )
        run = LiveRun(spec, self._allocate_id(), triggered_by, scheduled_for, now, self._origin, child)
        run_id = run.run_id
        self._active[run_id] = run
        self._active_by_job[spec.name] = run
        self._revision += 1
        deadline = run.deadline
        heapq.heappush(self._deadline_heap, (deadline, run_id))
        if self._deadline_timer_at is None or deadline < self._deadline_timer_at:
            self._rearm_deadline_timer()
        # The recorder builds the row when it writes it, after the run has started.
        effects.records.append(run)
        effects.tasks.append(run)
        if self._listeners:
            effects.events.append(RunStarted(run.record))
        return run

    def _allocate_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def _record_skipped(
        self, spec: JobSpec, scheduled_for: datetime | None, reason: str, effects: _Effects
    ) -> None:
        now = self._clock.now()
        record = RunRecord(
            id=self._allocate_id(),
            job_name=spec.name,
            triggered_by=TriggeredBy.SCHEDULED,
            status=RunStatus.SKIPPED,
            run_mode=spec.run_mode,
            scheduled_for=scheduled_for,
            started_at=now,
            finished_at=now,
            duration_ms=0,
            error_message=reason,
            host=self._host,
            pid=self._pid,
        )
        self._recent[spec.name].append(RunStatus.SKIPPED)
        self._revision += 1
        effects.records.append(record)
        effects.events.append(RunFinished(record))

    # -- deadlines -----------------------------------------------------------

    def _rearm_deadline_timer(self) -> None:
        """Point the timer loop at the earliest deadline. Lock held."""
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
        self._deadline_timer = self._deadline_timer_at = None
        if self._deadline_heap:
            self._deadline_timer_at = self._deadline_heap[0][0]
            self._deadline_timer = self._timers.call_at(self._deadline_timer_at, self._on_deadlines)

    def _on_deadlines(self, _when: datetime) -> None:
        with self._locked() as effects:
            self._deadline_timer = self._deadline_timer_at = None
            now = self._clock.now()
            heap = self._deadline_heap
            while heap and heap[0][0] <= now:
                _, run_id = heapq.heappop(heap)
                run = self._active.get(run_id)
                if run is None:
                    self._stale_deadlines -= 1
                    continue
                self._time_out(run, effects)
            self._rearm_deadline_timer()

    def _forget_deadline(self) -> None:
        """A run ended before its deadline; rebuild the heap once stale entries dominate. Lock held."""
        self._stale_deadlines += 1
        if self._stale_deadlines > 1000 and self._stale_deadlines > 2 * len(self._active):
            self._deadline_heap = [(r.deadline, r.run_id) for r in self._active.values()]
            heapq.heapify(self._deadline_heap)
            self._stale_deadlines = 0
            self._rearm_deadline_timer()

    # -- running -----------------------------------------------------------

    def _execute(self, run: LiveRun) -> None:
        if run.child is None:
            try:
                outcome = outcome_of_return(run.spec.func(run.stop_event))
            except BaseException as exc:
                outcome = outcome_of_exception(exc)
            self._finish(run, outcome, EndedBy.STOP_EVENT if run.stop_event.is_set() else EndedBy.RETURNED)
            return
        try:
            run.child.start()
        except Exception as exc:
            failed = outcome_of_exception(exc)
            self._finish(run, replace(failed, error_message=f"could not start the process: {failed.error_message}"),
                         EndedBy.CRASHED)
            return
        with self._lock:
            self._revision += 1
        child_outcome, exitcode = run.child.wait()
        if run.escalated is not None:
            ended_by = run.escalated
        elif child_outcome is None:
            ended_by = EndedBy.CRASHED
        elif run.stop_event.is_set():
            ended_by = EndedBy.STOP_EVENT
        else:
            ended_by = EndedBy.RETURNED
        outcome = child_outcome or Outcome(success=False, error_message=describe_exit(exitcode))
        self._finish(run, outcome, ended_by, exitcode)

    def _time_out(self, run: LiveRun, effects: _Effects) -> None:
        """A run passed its deadline: set its stop_event; escalate a process run. Lock held."""
        run.timed_out = True
        if run.stop_reason is None:
            run.state = ActiveState.OVERDUE
        run.stop_event.set()
        self._revision += 1
        log.warning(
            "run %d of %s timed out after %s; stop_event set", run.run_id, run.spec.name, _minutes(run.spec.timeout)
        )
        if run.child is not None and run.stop_reason is None:
            self._escalate(run, self.grace_seconds)
        effects.events.append(RunTimedOut(run.record))

    def _request_stop(self, run: LiveRun, reason: str, grace: float) -> None:
        """Ask a run to stop. Lock held."""
        if run.stop_reason is not None:
            return
        run.stop_reason = reason
        run.state = ActiveState.STOPPING
        run.stop_event.set()
        self._revision += 1
        if run.child is not None and not run.timed_out:
            self._escalate(run, grace)

    def _escalate(self, run: LiveRun, grace: float) -> None:
        """After ``grace``: SIGTERM the run's process group; ``kill_after_seconds`` later: SIGKILL."""
        now = self._clock.now()
        term_at = now + timedelta(seconds=grace)
        kill_at = term_at + timedelta(seconds=self.kill_after_seconds)
        run.add_timer(self._timers.call_at(term_at, lambda _w: self._signal(run, EndedBy.TERMINATED)))
        run.add_timer(self._timers.call_at(kill_at, lambda _w: self._signal(run, EndedBy.KILLED)))

    def _signal(self, run: LiveRun, step: EndedBy) -> None:
        with self._lock:
            if run.finished or run.child is None:
                return
            if run.child.pid is None:
                # Not started yet: try again in a moment rather than lose the step.
                run.add_timer(
                    self._timers.call_at(self._clock.now() + timedelta(milliseconds=50), lambda _w: self._signal(run, step))
                )
                return
            run.escalated = step
            run.state = ActiveState.TERMINATING
            self._revision += 1
        signum = signal.SIGTERM if step is EndedBy.TERMINATED else signal.SIGKILL
        log.warning("run %d of %s: sending %s to its process group", run.run_id, run.spec.name, signum.name)
        run.child.signal_group(signum)

    def _finish(self, run: LiveRun, outcome: Outcome, ended_by: EndedBy, exit_code: int | None = None) -> None:
        """Hand a finished run to the timer thread, which records finished runs in batches."""
        self._completions.append((run, outcome, ended_by, exit_code))
        # A set flag means a drain is already on its way and will see this item too.
        if not self._completion_wake:
            self._completion_wake = True
            self._timers.call_at(self._clock.now(), self._drain_completions)

    def _drain_completions(self, _when: datetime | None = None) -> None:
        # Runs waiting for a worker start first: while the workers are getting through them,
        # recording the ends waits (at most _GIVE_WAY_SECONDS; not at all if the workers are stuck).
        give_way_until = time.monotonic() + _GIVE_WAY_SECONDS
        waiting = self._pool.backlog
        while waiting and time.monotonic() < give_way_until:
            time.sleep(_GIVE_WAY_STEP)
            waiting, before = self._pool.backlog, waiting
            if waiting >= before:
                break
        self._completion_wake = False
        with self._locked() as effects:
            now = self._clock.now()
            completions = self._completions
            while True:
                try:
                    run, outcome, ended_by, exit_code = completions.popleft()
                except IndexError:
                    break
                self._complete(run, outcome, ended_by, exit_code, now, effects)
            self._idle.notify_all()

    def _complete(
        self,
        run: LiveRun,
        outcome: Outcome,
        ended_by: EndedBy,
        exit_code: int | None,
        now: datetime,
        effects: _Effects,
    ) -> None:
        """Record the end of a run. Lock held; the caller notifies ``_idle``."""
        if run.finished:
            return
        for handle in run.timers or ():
            handle.cancel()
        status, error = self._final_status(run, outcome, ended_by)
        run.end(status, now, error, outcome, ended_by, exit_code)
        del self._active[run.run_id]
        if self._active_by_job.get(run.spec.name) is run:
            del self._active_by_job[run.spec.name]
        if not run.timed_out:
            self._forget_deadline()
        self._recent[run.spec.name].append(status)
        if status.is_failure:
            self._failures.append(now)
        self._revision += 1
        effects.records.append(run)
        if run.done is not None:
            effects.done.append(run.done)
        if status.is_failure or self._listeners:
            final = run.final_record()
            if status.is_failure:
                effects.notices.append(final)
            effects.events.append(RunFinished(final))

    def _final_status(self, run: LiveRun, outcome: Outcome, ended_by: EndedBy) -> tuple[RunStatus, str | None]:
        error = outcome.error_message
        if run.timed_out:
            note = f"timed out after {_minutes(run.spec.timeout)}"
            if ended_by in (EndedBy.TERMINATED, EndedBy.KILLED):
                note += f"; process group {ended_by.value}"
            return RunStatus.TIMED_OUT, note + (f"; {error}" if error else "")
        if run.stop_reason is not None:
            note = "stopped by operator" if run.stop_reason == "operator" else "stopped at scheduler shutdown"
            if ended_by in (EndedBy.TERMINATED, EndedBy.KILLED, EndedBy.SHUTDOWN):
                note += f" ({ended_by.value})"
            return RunStatus.STOPPED, note + (f"; {error}" if error else "")
        if outcome.success:
            return RunStatus.SUCCEEDED, error
        return RunStatus.FAILED, error

    # -- records, notices, events -------------------------------------------

    def _notify(self, record: RunRecord) -> None:
        if self._notifiers is None:
            return
        self._notifiers.notify(FailureNotice.from_record(record))

    def _emit(self, event: RunEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a run listener raised; ignoring it")

    def _load_recent(self, names: list[str]) -> None:
        """Load the jobs' last outcomes for the console's trail, on a thread of its own.

        One indexed query per job; with thousands of jobs that takes a while, and
        dispatch must not wait for it. Outcomes recorded meanwhile stay newest.
        Called on the first snapshot after start or after a new job was registered.
        """
        store = self._store
        if store is None or not names:
            return

        def load() -> None:
            try:
                loaded = store.recent_statuses(names, _TRAIL)
            except Exception:
                log.warning("could not load the jobs' recent outcomes; the trails start empty", exc_info=True)
                return
            with self._lock:
                for name, statuses in loaded.items():
                    since_start = self._recent.get(name, ())
                    self._recent[name] = deque([*statuses, *since_start], maxlen=_TRAIL)

        threading.Thread(target=load, name="jobconsole-load-trails", daemon=True).start()

    def _replay_spool(self, store: RunStore) -> None:
        """Write the records an earlier scheduler saved while the database was down."""
        spool = Spool(self.spool_dir, store.url_label)
        for path in spool.pending():
            ops = spool.load(path)
            store.write(ops)
            path.unlink()
            log.warning("wrote %d run records saved in %s during an earlier outage", len(ops), path)
            self._history_changed()

    def _history_changed(self) -> None:
        """Rows were written outside a run's start or end: readers of the history read it again."""
        with self._lock:
            self._revision += 1

    def _abandon_stale_runs(self, store: RunStore) -> None:
        """Mark ``running`` rows left by a dead scheduler on this host ``abandoned`` and tell the notifiers."""
        now = self._clock.now()
        stale: list[RunRecord] = []
        elsewhere = 0
        for row in store.find_running():
            if row.host == self._host and (row.pid == self._pid or not _pid_alive(row.pid)):
                stale.append(row)
            else:
                elsewhere += 1
        if elsewhere:
            log.warning("%d runs are marked running by another live scheduler or host; leaving them", elsewhere)
        if not stale:
            return
        updates = [
            RunUpdate(
                id=row.id,
                status=RunStatus.ABANDONED,
                finished_at=now,
                success=False,
                duration_ms=duration_ms(row.started_at, now),
                error_message=(
                    f"abandoned: the scheduler running it (pid {row.pid} on {row.host}) stopped before the run "
                    f"ended; found at {now:%Y-%m-%d %H:%M:%S} UTC by the scheduler starting as pid {self._pid}"
                ),
            )
            for row in stale
        ]
        store.write(updates)
        self._history_changed()
        log.warning("marked %d runs left by a scheduler that died abandoned", len(updates))
        for row, update in zip(stale, updates, strict=True):
            final = replace(row, **{k: v for k, v in vars(update).items() if k != "id"})
            self._notify(final)
            self._emit(RunFinished(final))
