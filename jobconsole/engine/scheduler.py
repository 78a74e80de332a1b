"""The scheduler's public face: register jobs, start, steer, read, shut down.

:class:`JobScheduler` implements the console's
:class:`~jobconsole.interface.SchedulerInterface`. It holds no scheduling
state of its own: the state belongs to the engine loop (:mod:`.loop`), which
the facade sends commands to and whose published snapshot it hands out. Around
the loop are the worker pool and executors (:mod:`.executors`), the recorder
(:mod:`.recorder`), start-up recovery (:mod:`.recovery`) and the notifiers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import schedule

from jobconsole.alert_state import AlertState
from jobconsole.attach.who import operator
from jobconsole.engine.clock import Clock, SystemClock
from jobconsole.engine.dispatch import Dispatcher, Effects
from jobconsole.engine.events import RunEvent, RunFinished
from jobconsole.engine.hand_over import HandOver
from jobconsole.engine.executors import ProcessExecutor, RunExecutors, ThreadExecutor
from jobconsole.engine.jobs import OWNER_ATTRIBUTE, JobSchedule, build_job_spec
from jobconsole.engine.journal import StartJournal
from jobconsole.engine.lease import Seat
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.loop import EngineLoop
from jobconsole.engine.pool import WorkerPool
from jobconsole.engine.publisher import Publisher
from jobconsole.engine.process_runs import module_of, prepare_fork_server
from jobconsole.engine.recorder import RunRecorder, describe_op
from jobconsole.engine.retention import (
    DEFAULT_RETENTION_DAYS,
    FIRST_PURGE_AFTER_SECONDS,
    PURGE_EVERY_SECONDS,
    Retention,
    retention_policy,
)
from jobconsole.engine.retry import DEFAULT_RETRY_BACKOFF_SECONDS
from jobconsole.engine.recovery import load_past_outcomes, recover
from jobconsole.engine.snapshots import JobViews, SnapshotBuilder
from jobconsole.engine.spool import Spool, keep_refused_record, spool_unwritten
from jobconsole.engine.state_dir import state_directory
from jobconsole.engine.stopping import StopPolicy
from jobconsole.engine.tally import RunTally
from jobconsole.engine.timers import Timers
from jobconsole.engine import thread_output
from jobconsole.errors import SchedulerBusyError, StoreUnavailableError
from jobconsole.interface import CommandRecord, CommandResult, EngineSnapshot, EngineState
from jobconsole.engine.alerts import DEFAULT_REMINDER
from jobconsole.notify.dispatch import NotifierSet, default_notifiers
from jobconsole.notify.notice import Notifier
from jobconsole.notify.services import service_notifiers
from jobconsole.notify.settings import reminder_from_env, reminder_interval, urls_from_env
from jobconsole.runs import HistoryPage, HistoryQuery, JobStats, RunMode, RunRecord, RunUpdate
from jobconsole.store import DEFAULT_DATABASE_URL, RunStore, open_store
from jobconsole.store.leadership import LEASE_SECONDS, LeaseHolder, Term

log = logging.getLogger("jobconsole.engine")


__all__ = ["JobScheduler", "SchedulerBusyError"]


class JobScheduler:
    """Runs registered jobs on their schedules and records every run.

    ``store`` (or ``database_url``) is where runs are recorded; without either,
    :meth:`start` opens the default SQLite file. ``grace_seconds`` is how long a
    process run gets to honour its stop_event before SIGTERM, and
    ``kill_after_seconds`` how long after SIGTERM before SIGKILL.
    ``lease_seconds`` is how long the scheduler's lease on the database lasts
    unless renewed (every 2 s): how soon a standby takes over from a leader
    that died. ``state_base`` is where the database's state directory (start
    journal, spool) goes, instead of ``$JOBCONSOLE_STATE_DIR`` or the XDG default.

    Notices (see :mod:`jobconsole.engine.alerts`): ``notifiers`` replace the
    default ones (the log, and email when ``JOBCONSOLE_SMTP_HOST`` is set);
    ``notify_urls`` add a webhook or chat service per apprise URL (default:
    ``JOBCONSOLE_NOTIFY_URLS`` unless ``notifiers`` are given), and
    ``alert_reminder`` (a timedelta or seconds; default
    ``JOBCONSOLE_ALERT_REMINDER``, else 1 h) is the shortest time between two
    notices about a job that keeps failing.

    ``retention_days``: while this scheduler leads, it deletes runs older than
    that every hour (0: keeps every run), keeping each job's newest
    ``keep_per_job`` whatever their age (see :mod:`jobconsole.engine.retention`).
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
        lease_seconds: float = LEASE_SECONDS,
        state_base: str | os.PathLike[str] | None = None,
        alert_reminder: timedelta | float | None = None,
        notify_urls: Sequence[str] | None = None,
        retention_days: float = DEFAULT_RETENTION_DAYS,
        keep_per_job: int | None = None,
    ) -> None:
        self._store = store
        self._owns_store = False
        self._claimed = False
        self._database_url = database_url
        self._notifier_list = None if notifiers is None else list(notifiers)
        self._clock: Clock = clock or SystemClock()
        self._stop_policy = StopPolicy(grace_seconds, kill_after_seconds)
        self.record_flush_seconds = record_flush_seconds
        self.spool_dir = Path(spool_dir) if spool_dir is not None else None
        """Local state for the database (spool, start journal); None: its directory under the state base
        (see :mod:`jobconsole.engine.state_dir`)."""
        self.state_base = state_base
        self._database_id = ""
        self._host = socket.gethostname()
        self._pid = os.getpid()
        self._lease_seconds = lease_seconds
        self._seat: Seat | None = None
        self._on_replaced: list[Callable[[], None]] = []
        self._alert_reminder: timedelta | None = None
        self._services: list[Notifier] | None = None
        """One notifier per configured notification URL; None: JOBCONSOLE_NOTIFY_URLS decides at start."""
        self._replaced_by_another = False
        self._retention_policy = retention_policy(retention_days, keep_per_job)
        self.retention: Retention | None = None
        """The leader's purges of old runs, once started (None: not started, or every run is kept)."""

        # Lifecycle, guarded by _lifecycle (the facade's only lock; it guards no scheduling state).
        self._lifecycle = threading.Lock()
        self._started_once = False
        self._shutting_down = False
        self._start_done = threading.Event()
        """Set when start() has returned or raised: shutdown() waits for it."""
        self._stopped = threading.Event()
        """Set when a shutdown has finished: a second caller of shutdown() waits for it."""

        self._schedule = schedule.Scheduler()
        """Owns the registered builders, so the library's global scheduler never runs our jobs."""
        self._timers = Timers()
        self._pool: WorkerPool[LiveRun] = WorkerPool(self._execute)
        self._dispatcher = Dispatcher(self._clock, (self._host, self._pid), self._timers, self._stop_policy)
        self._dispatcher.process_output = process_output
        self._builder = SnapshotBuilder("(not opened)", demo)
        self._hand_over = HandOver(
            self._clock, self._pool, lambda items: self._loop.count_submitted(items),
            lambda: self._loop.busy, lambda: self._loop.next_due,
        )
        self._loop = EngineLoop(
            self._clock, self._dispatcher, self._timers, self._builder,
            apply_early=self._hand_over.early, apply_late=self._hand_over.late, backlog=lambda: self._pool.backlog,
            prepare=self._hand_over.prepare,
        )
        self._executors = RunExecutors(
            ThreadExecutor(self._loop.report),
            ProcessExecutor(self._loop.report, self._process_started),
        )
        self._recorder: RunRecorder | None = None
        self._publisher: Publisher | None = None
        self._set_alerts(alert_reminder, notify_urls)

    # -- configuration -----------------------------------------------------

    @property
    def grace_seconds(self) -> float:
        return self._stop_policy.grace_seconds

    @grace_seconds.setter
    def grace_seconds(self, value: float) -> None:
        self._stop_policy.grace_seconds = value

    @property
    def kill_after_seconds(self) -> float:
        return self._stop_policy.kill_after_seconds

    @kill_after_seconds.setter
    def kill_after_seconds(self, value: float) -> None:
        self._stop_policy.kill_after_seconds = value

    @property
    def process_output(self) -> str | None:
        """A file that also gets process runs' stdout and stderr, whole (each run keeps its own, capped)."""
        return self._dispatcher.process_output

    @property
    def demo(self) -> bool:
        return self._builder.demo

    @demo.setter
    def demo(self, value: bool) -> None:
        self._builder.demo = value

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
        state_base: str | os.PathLike[str] | None = None,
        alert_reminder: timedelta | float | None = None,
        notify_urls: Sequence[str] | None = None,
        retention_days: float | None = None,
        keep_per_job: int | None = None,
    ) -> None:
        """Set options before :meth:`start` (for the module-level default scheduler).

        Raises ValueError for a reminder that is not a positive duration, a notification URL
        that cannot be used (or apprise missing), naming it, or a bad ``retention_days``
        (0 keeps every run) or ``keep_per_job`` (0: no per-job floor).
        """
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
        if state_base is not None:
            self.state_base = state_base
        if retention_days is not None or keep_per_job is not None:
            policy = self._retention_policy
            self._retention_policy = retention_policy(
                (policy.days or 0) if retention_days is None else retention_days,
                policy.keep_per_job if keep_per_job is None else keep_per_job,
            )
        if process_output is not None:
            self._dispatcher.process_output = process_output
        if demo is not None:
            self.demo = demo
        self._set_alerts(alert_reminder, notify_urls)

    def _set_alerts(self, reminder: timedelta | float | None, urls: Sequence[str] | None) -> None:
        if reminder is not None:
            self._alert_reminder = reminder_interval(reminder)
        if urls is not None:
            self._services = list(service_notifiers(urls))

    def count_runs(self) -> RunTally:
        """Count ended runs by job and status, their durations and how late scheduled runs start, for the
        metrics (see :mod:`jobconsole.engine.tally`); call before :meth:`start`. Cheaper than a listener:
        no event is made for it."""
        def wire(_effects: Effects) -> RunTally:
            if self._dispatcher.tally is None:
                self._dispatcher.tally = self._hand_over.tally = RunTally()
            return self._dispatcher.tally

        return self._loop.call(wire)

    def add_listener(self, listener: Callable[[RunEvent], None]) -> None:
        """Call ``listener`` with every run event, on the engine loop's thread; keep it quick."""
        self._hand_over.listeners.append(listener)
        self._dispatcher.has_listeners = True

    @property
    def job_names(self) -> list[str]:
        return [job.name for job in self._loop.published.jobs]

    @property
    def store(self) -> RunStore | None:
        return self._store

    def register(
        self,
        name: str,
        func: Callable[[Any], Any],
        job_schedule: JobSchedule,
        run_in_process: bool = False,
        timeout_minutes: float = 15,
        on_missed: str = "skip",
        alert_if_no_success_within: timedelta | float | None = None,
        retries: int = 0,
        retry_backoff: float = DEFAULT_RETRY_BACKOFF_SECONDS,
    ) -> None:
        """Register a job; raises ValueError naming the job and the problem.

        ``job_schedule`` is a ``schedule`` builder (``schedule.every().day.at("03:00")``),
        a cron string (``"*/5 * * * *"``, ``"@daily"``) read in the machine's local zone,
        or ``jobconsole.cron("0 3 * * *", tz="Europe/Paris")``.

        ``on_missed`` says what happens to occurrences that fell while no scheduler was
        running: ``"skip"`` (one ``missed`` row says how many and since when) or
        ``"run_once"`` (that row, and one catch-up run at start).

        ``alert_if_no_success_within`` (a timedelta or seconds): when the job has not
        succeeded for that long (counted from its last success, or from when it was
        first registered so), one ``overdue`` notice goes out; the next one only after
        it has succeeded and gone quiet again. A paused job gets none.
        ``retries`` is how many more attempts a failed or timed-out run gets (0 to 100);
        attempt k + 1 starts ``retry_backoff`` × 2^(k-1) seconds (±20 %) after attempt k
        ended. Each attempt is a row of its own; see :mod:`jobconsole.engine.retry`.
        """
        spec = build_job_spec(
            name, func, job_schedule, run_in_process, timeout_minutes, on_missed, alert_if_no_success_within,
            retries, retry_backoff
        )

        def add(_effects: Effects) -> None:
            self._dispatcher.add_job(spec)
            if not isinstance(job_schedule, schedule.Job):
                return
            # The builder belongs to this scheduler's own schedule.Scheduler from now on,
            # never to the library's global one that the host app may run.
            job_schedule.scheduler = self._schedule
            job_schedule.do(spec.func)
            setattr(job_schedule, OWNER_ATTRIBUTE, name)

        self._loop.call(add)
        if self._loop.running and self._store is not None:
            load_past_outcomes(self._store, [name], self._loop.post, self._dispatcher.add_past_outcomes)
            stored, last_success = self._read_alerts(self._store, [name])
            self._loop.call(lambda effects: self._dispatcher.load_alerts([name], stored, last_success, effects))

    def _read_alerts(self, store: RunStore, names: list[str]) -> tuple[dict[str, AlertState], dict[str, datetime]]:
        """Where the alert policy of ``names`` stood under the last leader, and the watched ones' last successes."""
        specs = self._loop.call(lambda _e: dict(self._dispatcher.specs))
        watched = [name for name in names if specs[name].alert_within is not None]
        return store.alert_states(), store.last_successes(watched) if watched else {}

    # -- lifecycle ---------------------------------------------------------

    def claim(self) -> None:
        """Open the database and take its lease: this scheduler leads (:meth:`start` does this).

        Call it earlier to be refused before anything else happens. Raises
        SchedulerBusyError when another scheduler leads the database, and
        StoreConfigError / StoreUnavailableError when it can't be used.
        """
        if self._claimed:
            return
        taken = self._try_take()
        if isinstance(taken, LeaseHolder):
            raise SchedulerBusyError(
                f"another scheduler ({taken.holder}) is already running on {self._require_store().url_label}; "
                "stop it first: one scheduler per database (jobconsole --no-ui would stand by to take over)"
            )

    def stand_by(self, until: threading.Event) -> bool:
        """Wait as a standby until this scheduler takes the lease (True) or ``until`` is set (False).

        A standby looks every second; it takes over once the leader's lease lapses
        (at most ``lease_seconds`` after the leader's last renewal) or is given up.
        Raises StoreConfigError for a database that can't be used at all.
        """
        if self._claimed:
            return True
        taken = self._seat_on_store().stand_by(until)
        if taken:
            self._took_lease()
        return taken

    def _seat_on_store(self) -> Seat:
        if self._store is None:
            self._store = open_store(self._database_url or DEFAULT_DATABASE_URL)
            self._owns_store = True
        if self._seat is None:
            self._seat = Seat(self._store, f"pid {self._pid} on {self._host}", self._lease_seconds)
        return self._seat

    def _try_take(self) -> Term | LeaseHolder:
        taken = self._seat_on_store().try_take()
        if isinstance(taken, Term):
            self._took_lease()
        return taken

    def _took_lease(self) -> None:
        self._claimed = True
        self._builder.database = self._require_store().url_label

    def on_replaced(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on another thread) if another scheduler takes over while this one leads."""
        self._on_replaced.append(callback)

    def start(self) -> None:
        """Claim the database, recover what a dead scheduler left, start dispatching.

        Raises SchedulerBusyError, StoreConfigError or StoreUnavailableError if the database can't be used.
        """
        with self._lifecycle:
            if self._started_once:
                raise RuntimeError("this scheduler was already started")
            self._started_once = True
        try:
            self._start_up()
        finally:
            self._start_done.set()

    def _start_up(self) -> None:
        self._loop.call(lambda _e: self._dispatcher.set_state(EngineState.STARTING))
        try:
            notifiers = self._notifiers_at_start()
            self.claim()
        except BaseException:
            self._loop.call(lambda _e: self._dispatcher.set_state(EngineState.STOPPED))
            raise
        store = self._store
        assert store is not None
        self._hand_over.notifiers = NotifierSet(notifiers)
        seat = self._seat
        assert seat is not None and seat.term is not None
        term = seat.term
        now = self._clock.now()
        database_id = self._database_id = store.database_id()
        state = self.spool_dir = self.spool_dir or state_directory(database_id, base=self.state_base)
        cadences = {name: spec.cadence for name, spec in self._dispatcher.specs.items()}
        retried = [name for name, spec in self._dispatcher.specs.items() if spec.retry.retries]
        found = recover(store, state, database_id, now, (self._host, self._pid), term.epoch, cadences, retried)
        if store.persistent:
            journal = self._hand_over.journal = StartJournal(
                state, database_id, term.instance, self._host, self._pid, term.epoch
            )
            self._loop.on_caught_up = journal.empty
        abandoned = found.abandoned

        paused = set(store.attach_channel().paused_jobs())
        alert_states, last_successes = self._read_alerts(store, list(self._dispatcher.specs))

        def prepare(_effects: Effects) -> None:
            dispatcher = self._dispatcher
            dispatcher.paused = paused & set(dispatcher.specs)
            dispatcher.last_id = found.last_id
            dispatcher.failures.extend(found.failures)
            if found.rewritten:
                dispatcher.note_history_rewritten()

        self._loop.call(prepare)
        for record in abandoned:
            self._hand_over.notify(record)
            self._hand_over.emit(RunFinished(record))
        self.prepare_process_runs()
        self._recorder = RunRecorder(
            store, busy=self._hand_over.runs_starting, on_written=self._loop.note_written, on_refused=self._keep_refused
        )
        self._hand_over.recorder = self._recorder
        self._recorder.start()
        self._dispatcher.may_dispatch = seat.keep(self._replaced, lambda: self._loop.post(lambda _e: None)).valid
        # From here until the loop has stopped, thread runs' logging and prints are theirs (see thread_output).
        thread_output.install()
        self._loop.start()

        previous = None
        if term.previous:
            previous = (f"the scheduler {term.previous}", now - timedelta(seconds=term.previous_for))

        def arm(effects: Effects) -> None:
            self._dispatcher.arm_all(now, found.last_occurrences, effects, previous, found.last_attempts)
            self._dispatcher.set_state(EngineState.RUNNING)
            # Before any run of this term ends: the policy goes on from where the last leader left it.
            self._dispatcher.load_alerts(list(self._dispatcher.specs), alert_states, last_successes, effects)

        self._loop.call(arm)
        self._publisher = Publisher(
            store.attach_channel(), self.snapshot, self, term, seat.leadership.holder, self._hand_over.runs_starting
        )
        self._publisher.start()
        self._start_retention(store)
        load_past_outcomes(store, list(self._dispatcher.specs), self._loop.post, self._dispatcher.add_past_outcomes)
        log.info(
            "scheduler started with %d jobs; recording runs in %s; leading it in term %d",
            len(self._dispatcher.specs), store.url_label, term.epoch,
        )

    def _notifiers_at_start(self) -> list[Notifier]:
        """The notifiers given, or the default ones and those of ``JOBCONSOLE_NOTIFY_URLS``; the reminder.

        Raises ValueError naming a bad setting of the environment.
        """
        reminder = self._alert_reminder or reminder_from_env(os.environ) or DEFAULT_REMINDER

        def set_reminder(_effects: Effects) -> None:
            self._dispatcher.alerts.reminder = reminder

        self._loop.call(set_reminder)
        if self._notifier_list is not None:
            return [*self._notifier_list, *(self._services or ())]
        services = self._services if self._services is not None else service_notifiers(urls_from_env(os.environ))
        return [*default_notifiers(os.environ), *services]
    def _start_retention(self, store: RunStore) -> None:
        """Delete old runs while leading: a pass a minute from now, then every hour (loop timers, the
        scheduler's clock), each on the retention thread."""
        if self._retention_policy.days is None:
            return
        retention = self.retention = Retention(
            store, self._retention_policy, may_purge=self._dispatcher.may_dispatch, busy=self._hand_over.runs_starting
        )
        retention.start()

        def due(_effects: Effects) -> None:
            if self._dispatcher.state is EngineState.RUNNING:
                retention.request(self._clock.now())
                self._timers.call_at(self._clock.monotonic() + PURGE_EVERY_SECONDS, due)

        self._loop.call(lambda _e: self._timers.call_at(self._clock.monotonic() + FIRST_PURGE_AFTER_SECONDS, due))

    def _replaced(self, _by: LeaseHolder) -> None:
        """On the lease keeper's thread: another scheduler leads now (the keeper logged who)."""
        self._replaced_by_another = True
        self._loop.post(lambda _e: None)  # wakes the loop, which now finds that it may not dispatch
        for callback in self._on_replaced:
            callback()

    def prepare_process_runs(self) -> None:
        """Start the fork server for process runs, with the job modules preloaded.

        :meth:`start` does this; call it earlier to do it before a UI takes over the terminal.
        """
        specs = self._loop.call(lambda _e: list(self._dispatcher.specs.values()))
        modules = [module_of(s.func) for s in specs if s.run_mode is RunMode.PROCESS]
        if modules:
            prepare_fork_server(modules)

    def shutdown(self, grace_seconds: float | None = None) -> None:
        """Stop dispatching, stop runs in progress (recorded ``stopped``) and write every record.

        Thread runs get ``grace_seconds`` to honour their stop_event; process runs
        are escalated (SIGTERM, then SIGKILL) as on a timeout. The grace is waited
        on the scheduler's clock.
        """
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        with self._lifecycle:
            started = self._started_once
        if not started:
            return
        # start() may be under way in another thread (an operator quit at once): let it finish first.
        self._start_done.wait()
        with self._lifecycle:
            elsewhere = self._shutting_down
            self._shutting_down = True
        if elsewhere:
            # Another thread is shutting down: return once it has, with every record written.
            self._stopped.wait()
            return
        try:
            if self._loop.running:
                self._wind_down(grace)
        finally:
            self._stopped.set()
        log.info("scheduler stopped")

    def _wind_down(self, grace: float) -> None:
        """Stop the runs (recording those that don't), write every record, close down."""
        dispatcher = self._dispatcher

        def begin(_effects: Effects) -> None:
            runs = dispatcher.begin_shutdown(grace)
            if runs:
                log.info("shutting down: asked %d runs in progress to stop", len(runs))
            wait_for = grace + (self.kill_after_seconds + 1.0 if any(r.child for r in runs) else 0.0)
            dispatcher.give_up_at(self._clock.now() + timedelta(seconds=wait_for))
            self._timers.call_at(
                self._clock.monotonic() + wait_for,
                lambda effects: dispatcher.give_up_on_live_runs(grace, self._clock.now(), effects),
            )

        self._loop.call(begin)
        if self.retention is not None:
            self.retention.stop()
        self._loop.when_drained().wait()
        thread_output.uninstall()
        if self._publisher is not None:
            self._publisher.stop()
        self._pool.close()
        spool = self._spool if self._store is not None else lambda _left: None
        fenced = self._hand_over.close(self.record_flush_seconds, spool, self._loop.call)
        if self._seat is not None:
            self._seat.give_up(release=not fenced)
        if self._store is not None:
            if self._owns_store:
                self._store.close()
        self._loop.stop(lambda _e: dispatcher.set_state(EngineState.STOPPED))

    def _keep_refused(self, op: RunRecord | RunUpdate | AlertState, error: Exception) -> None:
        """On the recorder's thread: a record the database refused goes to a file, with one line saying where."""
        assert self.spool_dir is not None
        if isinstance(op, AlertState):
            log.error("the database refused %s (%s); the next leader may repeat a notice", describe_op(op), error)
            return
        keep_refused_record(self.spool_dir / f"refused-{self._database_id}.jsonl", op, error)

    def _spool(self, left: list[RunRecord | RunUpdate | AlertState]) -> None:
        assert self.spool_dir is not None
        runs = [op for op in left if not isinstance(op, AlertState)]
        if len(runs) < len(left):
            # The policy's state is not worth a file: the next leader may at worst repeat a notice.
            log.warning("%d alert states were not written; the next leader may repeat a notice", len(left) - len(runs))
        if runs:
            spool_unwritten(Spool(self.spool_dir, self._database_id), runs)

    def wait_for_run(self, run_id: int, timeout: float | None = None) -> bool:
        """Block until run ``run_id`` has ended (True) or ``timeout`` passed (False)."""
        done = self._loop.call(lambda _e: self._dispatcher.done_event(run_id), timeout)
        return True if done is None else done.wait(timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record made so far is in the database."""
        return self._recorder.flush(timeout) if self._recorder is not None else True

    def settle(self, timeout: float = 10.0, *, include_runs: bool = True) -> None:
        """Run until idle: return once nothing is due at the clock's time, every message is handled,
        the snapshot is published and (``include_runs``) no run is in progress; then flush the records.

        With a ManualClock this makes engine tests deterministic: move the clock, then settle.
        Raises TimeoutError after ``timeout`` real seconds.
        """
        self._loop.settle(timeout, include_runs)
        if self.flush(timeout):
            # The recorder's progress reaches the snapshot too.
            self._loop.settle(timeout, include_runs=False)

    # -- commands ----------------------------------------------------------

    def run_job(self, name: str) -> CommandResult:
        """Start a run of ``name`` now, unless one is already in progress (the result says why)."""
        return self._loop.call(lambda effects: self._dispatcher.trigger(name, effects))

    def stop_run(self, run_id: int) -> CommandResult:
        """Set the run's stop_event; a process run is then escalated as on a timeout."""
        return self._loop.call(lambda _effects: self._dispatcher.stop(run_id))

    trigger = run_job
    stop = stop_run

    def pause(self, name: str, by: str = "") -> CommandResult:
        """Dispatch no more occurrences of ``name`` (it can still be triggered); kept in the database,
        so it stays paused across restarts. ``by`` says who asked (default: this process's user@host)."""
        return self._set_paused(name, True, by)

    def resume(self, name: str, by: str = "") -> CommandResult:
        """Dispatch ``name`` again from its next due time."""
        return self._set_paused(name, False, by)

    def _set_paused(self, name: str, paused: bool, by: str) -> CommandResult:
        if self._store is None or not self._loop.running:
            return CommandResult(False, "the scheduler is not running, so nothing can be paused or resumed")
        if not self._loop.call(lambda _e: name in self._dispatcher.specs):
            return CommandResult(False, f"no job named {name!r}")
        who = by or operator()
        try:
            self._store.attach_channel().set_paused(name, paused, who)
        except StoreUnavailableError as error:
            return CommandResult(False, f"cannot record that {name} is {'paused' if paused else 'resumed'}: {error}")
        return self._loop.call(lambda effects: self._dispatcher.set_paused(name, paused, who, effects))

    # -- reading -----------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        """The latest snapshot the engine published: no lock, no side effect."""
        return self._loop.published

    @property
    def leading(self) -> bool:
        """Whether this scheduler leads its database: it has taken the lease, has not given it up, and no
        other scheduler has taken over. False for a standby (see :meth:`stand_by`)."""
        return self._claimed and not self._replaced_by_another and not self._stopped.is_set()

    def notifier_failures(self) -> dict[str, int]:
        """Notices each notifier failed to deliver since start (it raised, timed out, or fell behind), by name."""
        notifiers = self._hand_over.notifiers
        return notifiers.failures() if notifiers is not None else {}

    def history(self, query: HistoryQuery) -> HistoryPage:
        return self._require_store().history(query)

    def run_detail(self, run_id: int) -> RunRecord | None:
        return self._require_store().get_run(run_id)

    def run_commands(self, run_id: int) -> list[CommandRecord]:
        """The operators' commands that started or stopped run ``run_id`` (its audit trail)."""
        return [command.record() for command in self._require_store().attach_channel().commands_for_run(run_id)]

    def next_runs(self, job_name: str, count: int = 5) -> tuple[datetime, ...]:
        """The job's next ``count`` due times, from its cadence as of the published snapshot."""
        jobs = self._loop.published.jobs
        assert isinstance(jobs, JobViews)
        return jobs.due_times(job_name, count)

    def job_stats(self, job_name: str, last: int = 100) -> JobStats:
        return self._require_store().job_stats(job_name, last)

    def _require_store(self) -> RunStore:
        if self._store is None:
            raise StoreUnavailableError("the scheduler has not opened its database yet")
        return self._store

    # -- around the loop -----------------------------------------------------

    def _execute(self, run: LiveRun) -> None:
        self._executors.execute(run)

    def _process_started(self, run: LiveRun) -> None:
        self._loop.post(lambda _effects: self._dispatcher.process_started(run))
