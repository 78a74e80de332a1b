"""The scheduling state and what changes it: due jobs, runs starting and ending, timeouts.

:class:`Dispatcher` holds every piece of mutable scheduling state, and only
the engine loop's thread calls it (before the loop starts, the thread that
builds the scheduler). A change never talks to another thread directly: it
adds what others must hear to an :class:`Effects`, which the loop applies in
one go (rows to the recorder, runs to the workers, notices, events) before it
publishes a snapshot, so no snapshot shows what the recorder was not yet given.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from jobconsole.alert_state import AlertState
from jobconsole.engine.alerts import AlertPolicy
from jobconsole.engine.clock import Clock
from jobconsole.engine.due_queue import DueQueue
from jobconsole.engine.events import RunEvent, RunFinished, RunStarted, RunTimedOut
from jobconsole.engine.jobs import JobSpec, OnMissed
from jobconsole.engine.live_run import LiveRun, Origin
from jobconsole.engine.outcome import Outcome
from jobconsole.engine.process_runs import ChildProcess
from jobconsole.engine.recorder import Pending
from jobconsole.engine.retry import PendingRetry
from jobconsole.engine.stopping import StopPolicy, final_status
from jobconsole.engine.tally import RunTally
from jobconsole.humanize import limit
from jobconsole.engine.timers import Deadlines, TimerHandle, Timers
from jobconsole.interface import LiveState, CommandResult, EngineState
from jobconsole.notify.notice import FailureNotice
from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, TriggeredBy, attempt_words

log = logging.getLogger("jobconsole.engine")

TRAIL = 10
"""How many past outcomes each job keeps for the console."""
MISFIRE_LIMIT = timedelta(seconds=60)
"""Occurrences more than this late are counted as missed (one ``missed`` row) instead of run one by one."""
MISSED_COUNT_LIMIT = 100_000
_INSTANT = timedelta(microseconds=1)
OVERDUE_LOOK_SECONDS = 300.0
"""The longest the engine goes without looking for jobs gone too long without a success, while any may be."""
RETRY_RECHECK_SECONDS = 1.0
"""A retry due while this scheduler cannot confirm that it leads waits this long before looking again."""


@dataclass
class Effects:
    """What one turn of the loop must tell other threads; the loop applies it once the turn is done."""

    records: list[Pending] = field(default_factory=list)
    tasks: list[LiveRun] = field(default_factory=list)
    events: list[RunEvent] = field(default_factory=list)
    notices: list[FailureNotice] = field(default_factory=list)
    done: list[threading.Event] = field(default_factory=list)
    journal: bytes | None = None
    """The start journal's lines for ``records``, when made ahead (a staged batch)."""
    alerts: list[AlertState] | None = None
    """Alert-policy states to store after ``records`` (made only when there are some: most turns have none)."""

    def store_alert(self, state: AlertState) -> None:
        """Have the recorder store ``state`` after this turn's rows."""
        if self.alerts is None:
            self.alerts = []
        self.alerts.append(state)


class Dispatcher:
    """Jobs, their due times, the runs in progress and their recent outcomes. Engine loop only."""

    def __init__(
        self,
        clock: Clock,
        origin: Origin,
        timers: Timers,
        stop_policy: StopPolicy,
    ) -> None:
        self._clock = clock
        self.origin = origin
        self._timers = timers
        self.stop_policy = stop_policy
        self.specs: dict[str, JobSpec] = {}
        self.due = DueQueue()
        self.live: dict[int, LiveRun] = {}
        self.live_by_job: dict[str, LiveRun] = {}
        self._deadlines = Deadlines()
        self.recent: dict[str, deque[RunStatus]] = {}
        self.failures: deque[datetime] = deque()
        """When each failure of the last 24 hours was recorded, oldest first."""
        self.state = EngineState.STOPPED
        self.revision = 0
        """Grows whenever the run history changes; see EngineSnapshot.revision."""
        self.dirty_jobs: set[str] = set()
        """Jobs whose view changed since the last snapshot (the snapshot builder empties it)."""
        self.changed = True
        """Something shown in a snapshot changed since the last one."""
        self.last_id = 0
        self.process_output: str | None = None
        self.has_listeners = False
        """Whether anyone listens to run events: without listeners, no event is made."""
        self.paused: set[str] = set()
        """Jobs an operator paused: their occurrences pass without a run (see :meth:`set_paused`)."""
        self.shutdown_deadline: datetime | None = None
        """Set at shutdown: when the runs still in progress are given up on (see EngineSnapshot)."""
        self.may_dispatch: Callable[[], bool] = lambda: True
        """Whether this scheduler surely leads right now (its lease): no run starts otherwise."""
        self.alerts = AlertPolicy(origin[0])
        """Which ends of runs, and which silences, become notices (see :mod:`jobconsole.engine.alerts`)."""
        self._overdue_check: TimerHandle | None = None
        """The timer that next looks for jobs gone too long without a success, while any is watched."""
        self.tally: RunTally | None = None
        """Counts ended runs for the metrics, when they are on (see :mod:`jobconsole.engine.tally`)."""
        self.retries: dict[str, PendingRetry] = {}
        """Retries planned and not yet started, by job: at most one per job (see :mod:`.retry`)."""
        self.rng = random.Random()
        """Draws each retry's jitter."""

    # -- jobs ------------------------------------------------------------------

    def add_job(self, spec: JobSpec) -> None:
        if spec.name in self.specs:
            raise ValueError(f"job {spec.name!r} is already registered; job names must be unique")
        self.specs[spec.name] = spec
        self.recent[spec.name] = deque(maxlen=TRAIL)
        if spec.alert_within is not None:
            self.alerts.watch(spec.name, spec.alert_within)
        self._touch(spec.name)
        if self.state is EngineState.RUNNING:
            self.due.arm(spec.name, spec.cadence.first_run(self._clock.now()))

    def set_state(self, state: EngineState) -> None:
        self.state = state
        self.changed = True

    def arm_all(
        self,
        now: datetime,
        last_occurrences: Mapping[str, datetime] | None = None,
        effects: Effects | None = None,
        previous: tuple[str, datetime] | None = None,
        last_attempts: Mapping[str, RunRecord] | None = None,
    ) -> None:
        """Arm every job: after its last recorded occurrence if it has one (an interval job keeps its
        phase across a restart), else from ``now``.

        ``last_attempts`` is each job's latest run in the table: one that failed with
        attempts left gets its retry planned again, due when it would have been (at once
        if that has passed), so a retry survives a restart or a takeover.

        ``previous`` is who led before this scheduler and until when it may have
        dispatched. An occurrence due before then with no row was either never
        run or run and never recorded (its leader died first, on another machine,
        so its journal could not be replayed): it must not run a second time, so
        it is recorded ``missed`` with both possibilities said. Later ones are run
        late or recorded missed like any late occurrence. A job with
        ``on_missed="run_once"`` that missed any gets one catch-up run now instead,
        which stands for all of them (those of the last minute too).
        """
        last_occurrences = last_occurrences or {}
        catch_up: list[tuple[JobSpec, datetime]] = []
        for name, spec in self.specs.items():
            last = last_occurrences.get(name)
            following = spec.cadence.first_run(now) if last is None else spec.cadence.next_after(last)
            last_missed: datetime | None = None
            if last is not None and previous is not None and effects is not None and following is not None:
                holder, until = previous
                if following < until:
                    following, last_missed = self._skip_missed(
                        spec, following, until, effects,
                        f"{holder or 'the scheduler leading then'} stopped before running them or before recording them",
                    )
            run_once = spec.on_missed is OnMissed.RUN_ONCE and name not in self.paused
            if following is not None and effects is not None:
                if following < now - MISFIRE_LIMIT or (run_once and last_missed is not None and following <= now):
                    # "run_once": one catch-up run stands for every occurrence missed, the last minute's too.
                    following, last_missed = self._skip_missed(
                        spec, following, now + _INSTANT if run_once else now - MISFIRE_LIMIT, effects
                    )
            if run_once and last_missed is not None:
                catch_up.append((spec, last_missed))
            self.due.arm(name, following)
            self._touch(name)
        for name, record in (last_attempts or {}).items():
            spec = self.specs.get(name)
            if spec is not None and record.finished_at is not None and spec.retry.retries_after(record):
                due = record.finished_at + timedelta(seconds=spec.retry.wait(record.attempt, self.rng))
                self._plan_retry(spec, record, due, now)
        for spec, last_missed in catch_up:
            assert effects is not None
            self._start_run(spec, TriggeredBy.CATCH_UP, last_missed, now, self._clock.monotonic(), effects)

    def add_past_outcomes(self, loaded: dict[str, list[RunStatus]]) -> None:
        """Put outcomes read from the history before those recorded since start."""
        for name, statuses in loaded.items():
            if name in self.recent:
                self.recent[name] = deque([*statuses, *self.recent[name]], maxlen=TRAIL)
                self._touch(name)

    def on_wall_step(self, delta: timedelta) -> None:
        """The wall clock jumped by ``delta``: interval jobs keep their elapsed-time phase.

        Calendar jobs keep their wall-clock due times: after a step forward an occurrence
        that was skipped over is run or recorded missed as any late one is; after a step
        back nothing runs twice.
        """
        elapsed = self.due.names_where(lambda name: self.specs[name].cadence.follows_elapsed_time)
        self.due.shift(elapsed, delta)
        for name in elapsed:
            self._touch(name)
        log.warning(
            "the wall clock stepped by %+.0f s; the next due times of %d interval jobs moved with it",
            delta.total_seconds(), len(elapsed),
        )

    def _touch(self, name: str) -> None:
        self.dirty_jobs.add(name)
        self.changed = True

    def _history_changed(self) -> None:
        self.revision += 1
        self.changed = True

    # -- dispatch ----------------------------------------------------------------

    def on_due(self, now: datetime, now_mono: float, effects: Effects) -> None:
        """Dispatch every job that is due, in one batch.

        This is the critical path of a thousand jobs due at one instant: the time is
        read once, a run is a few attributes (its row is built later, by the recorder),
        and the runs go to the workers together once all are made: a worker started
        early would only take the interpreter from the runs still to be made.
        """
        if self.state is not EngineState.RUNNING or not self.may_dispatch():
            return
        missed_before = now - MISFIRE_LIMIT
        specs = self.specs
        due = self.due
        start_run = self._start_run
        paused = self.paused
        for name, when in due.pop_due(now):
            spec = specs[name]
            following = spec.cadence.next_after(when)
            if paused and name in paused:
                # A paused job's occurrences pass unrun and unrecorded; it is due again when resumed.
                while following is not None and following <= now:
                    following = spec.cadence.next_after(following)
                due.arm(name, following)
                self._touch(name)
                continue
            if following is not None and following < missed_before:
                following, _ = self._skip_missed(spec, following, missed_before, effects)
            due.arm(name, following)
            start_run(spec, TriggeredBy.SCHEDULED, when, now, now_mono, effects)

    def restamp(self, effects: Effects, now: datetime, now_mono: float) -> None:
        """The runs of ``effects``, made ahead of their release, were released later than planned:
        they start now (their rows, deadlines and "started" events say so)."""
        restamped: set[int] = set()
        for run in effects.tasks:
            run.restamp(now, now_mono)
            self._deadlines.add(run.deadline_mono, run.run_id)
            restamped.add(run.run_id)
        effects.events = [
            RunStarted(self.live[event.record.id].record)
            if isinstance(event, RunStarted) and event.record.id in restamped
            else event
            for event in effects.events
        ]

    def set_paused(self, name: str, paused: bool, by: str = "", effects: Effects | None = None) -> CommandResult:
        """Pause or resume ``name``. A paused job keeps its next due time moving but starts no run;
        a trigger still starts one. A resumed job's window without a success starts again."""
        if name not in self.specs:
            return CommandResult(False, f"no job named {name!r}")
        if paused == (name in self.paused):
            return CommandResult(False, f"{name} is {'already paused' if paused else 'not paused'}")
        if paused:
            self.paused.add(name)
        else:
            self.paused.discard(name)
            if effects is not None:
                self.alerts.resumed(name, self._clock.now(), effects)
                self.check_overdue(effects)
        self._touch(name)
        who = f" by {by}" if by else ""
        log.info("%s %s%s", name, "paused" if paused else "resumed", who)
        return CommandResult(True, f"{'paused' if paused else 'resumed'} {name}")

    def trigger(self, name: str, effects: Effects) -> CommandResult:
        """Start a run of ``name`` now, unless one is already in progress (the result says why)."""
        spec = self.specs.get(name)
        if spec is None:
            return CommandResult(False, f"no job named {name!r}")
        if self.state is not EngineState.RUNNING:
            return CommandResult(False, f"the scheduler is {self.state.value}; it starts no runs")
        if not self.may_dispatch():
            return CommandResult(False, "the scheduler cannot confirm that it still leads (is the database reachable?); it starts no runs")
        started = self._start_run(spec, TriggeredBy.MANUAL, None, self._clock.now(), self._clock.monotonic(), effects)
        if isinstance(started, str):
            return CommandResult(False, f"{spec.name} is already running: {started}")
        return CommandResult(True, f"started {spec.name} (run {started.run_id})", started.run_id)

    def _start_run(
        self,
        spec: JobSpec,
        triggered_by: TriggeredBy,
        scheduled_for: datetime | None,
        now: datetime,
        now_mono: float,
        effects: Effects,
        attempt: int = 1,
        first_run_id: int | None = None,
    ) -> LiveRun | str:
        """Start a run; if one of the job is still in progress, the reason (recorded for a scheduled one).

        While a retry of the job is pending, the retry wins: a scheduled occurrence is recorded
        skipped. A run started by hand or a catch-up run takes the pending retry's place.
        """
        name = spec.name
        busy = self.live_by_job.get(name)
        if busy is not None:
            age = int((now - busy.started_at).total_seconds())
            reason = f"run {busy.run_id} of {name} is still in progress (started {age} s ago"
            reason += ", timed out and ignoring its stop_event)" if busy.state is LiveState.OVERDUE else ")"
            if triggered_by is TriggeredBy.SCHEDULED:
                self._record_skipped(spec, scheduled_for, f"skipped: {reason}", effects)
            return reason
        if self.retries and triggered_by is not TriggeredBy.RETRY and name in self.retries:
            pending = self.retries[name]
            if triggered_by is TriggeredBy.SCHEDULED:
                reason = (
                    f"{attempt_words(pending.attempt, spec.retry.attempts)} of run {pending.first_run_id} "
                    f"is due at {pending.due:%Y-%m-%d %H:%M:%S} UTC"
                )
                self._record_skipped(spec, scheduled_for, f"skipped: {reason}", effects)
                return reason
            self._drop_retry(name, f"a {triggered_by.value.replace('_', '-')} run takes its place")
        child = (
            # The child logs at the level the scheduler's process does.
            ChildProcess(spec.func, f"jobconsole:{name}", self.process_output, logging.getLogger().getEffectiveLevel())
            if spec.run_mode is RunMode.PROCESS
            else None
        )
        run_id = self.last_id = self.last_id + 1
        run = LiveRun(spec, run_id, triggered_by, scheduled_for, now, now_mono, self.origin, child, attempt, first_run_id)
        self.live[run_id] = run
        self.live_by_job[name] = run
        self._deadlines.add(run.deadline_mono, run_id)
        self.revision += 1
        self.changed = True
        self.dirty_jobs.add(name)
        # The recorder builds the row when it writes it, after the run has started.
        effects.records.append(run)
        effects.tasks.append(run)
        if self.has_listeners:
            effects.events.append(RunStarted(run.record))
        return run

    def _record_skipped(
        self,
        spec: JobSpec,
        scheduled_for: datetime | None,
        reason: str,
        effects: Effects,
        status: RunStatus = RunStatus.SKIPPED,
        missed_count: int | None = None,
    ) -> None:
        now = self._clock.now()
        self.last_id += 1
        host, pid = self.origin
        record = RunRecord(
            id=self.last_id,
            job_name=spec.name,
            triggered_by=TriggeredBy.SCHEDULED,
            status=status,
            run_mode=spec.run_mode,
            scheduled_for=scheduled_for,
            started_at=now,
            finished_at=now,
            duration_ms=0,
            error_message=reason,
            host=host,
            pid=pid,
            missed_count=missed_count,
        )
        self.recent[spec.name].append(status)
        if self.tally is not None:
            self.tally.run_ended(spec.name, status, None, None)
        self._touch(spec.name)
        self._history_changed()
        effects.records.append(record)
        effects.events.append(RunFinished(record))

    def _skip_missed(
        self,
        spec: JobSpec,
        following: datetime,
        missed_before: datetime,
        effects: Effects,
        why: str = "no scheduler was running them on time",
    ) -> tuple[datetime | None, datetime]:
        """Record the occurrences too late to run (one ``missed`` row); the first one still to come, and
        the last one missed.

        Counting stops after :data:`MISSED_COUNT_LIMIT` occurrences (a job due every second
        whose scheduler was down for months); the job then starts afresh from now.
        """
        first = last = following
        count = 0
        next_one: datetime | None = following
        while next_one is not None and next_one < missed_before and count < MISSED_COUNT_LIMIT:
            last = next_one
            count += 1
            next_one = spec.cadence.next_after(next_one)
        at_least = ""
        if next_one is not None and next_one < missed_before:
            at_least = "at least "
            next_one = spec.cadence.first_run(self._clock.now())
        self._record_skipped(
            spec,
            first,
            f"missed {at_least}{count} occurrences from {first:%Y-%m-%d %H:%M:%S} to "
            f"{last:%Y-%m-%d %H:%M:%S} UTC: {why}",
            effects,
            RunStatus.MISSED,
            count,
        )
        return next_one, last

    # -- alerts ------------------------------------------------------------------------

    def load_alerts(
        self,
        names: Collection[str],
        stored: Mapping[str, AlertState],
        last_success: Mapping[str, datetime],
        effects: Effects,
    ) -> None:
        """Start the alert policy of ``names`` from the database (see :meth:`AlertPolicy.load`)."""
        self.alerts.load(names, stored, last_success, self._clock.now(), effects)
        self.check_overdue(effects)

    def check_overdue(self, effects: Effects) -> None:
        """Notify watched jobs gone too long without a success, and look again when the next one may be."""
        if self._overdue_check is not None:
            self._overdue_check.cancel()
            self._overdue_check = None
        if not self.alerts.within or self.state is not EngineState.RUNNING:
            return
        now = self._clock.now()
        following = self.alerts.check_overdue(now, self.paused, effects)
        if following is not None:
            # Capped, so that a step of the wall clock delays a notice by a few minutes at most.
            wait = min((following - now).total_seconds(), OVERDUE_LOOK_SECONDS)
            self._overdue_check = self._timers.call_at(self._clock.monotonic() + wait, self.check_overdue)

    # -- timeouts and stops --------------------------------------------------------

    def next_deadline(self) -> float | None:
        return self._deadlines.next_at()

    def on_deadlines(self, now_mono: float, effects: Effects) -> None:
        for run_id in self._deadlines.pop_due(now_mono):
            run = self.live.get(run_id)
            if run is None or run.deadline_mono > now_mono:
                # Ended already, or restamped (a later entry holds its deadline).
                self._deadlines.note_popped_stale()
                continue
            if not run.timed_out:
                self._time_out(run, effects)

    def _time_out(self, run: LiveRun, effects: Effects) -> None:
        """A run passed its deadline: set its stop_event; escalate a process run."""
        run.timed_out = True
        if run.stop_reason is None:
            run.state = LiveState.OVERDUE
        run.stop_event.set()
        self.changed = True
        log.warning(
            "run %d of %s timed out after %s; stop_event set",
            run.run_id, run.spec.name, limit(run.spec.timeout.total_seconds()),
        )
        if run.child is not None and run.stop_reason is None:
            self._escalate(run, self.stop_policy.grace_seconds)
        effects.events.append(RunTimedOut(run.record))

    def stop(self, run_id: int) -> CommandResult:
        """Set the run's stop_event; a process run is then escalated as on a timeout."""
        run = self.live.get(run_id)
        if run is None:
            return CommandResult(False, f"run {run_id} is not in progress, so there is nothing to stop")
        if run.stop_reason is not None:
            return CommandResult(False, f"run {run_id} of {run.spec.name} is already being stopped")
        grace = self.stop_policy.grace_seconds
        self._request_stop(run, "operator", grace)
        log.info("run %d of %s: stop requested by operator", run_id, run.spec.name)
        message = f"stopping run {run_id} of {run.spec.name}: stop_event set"
        if run.child is not None:
            message += f"; SIGTERM in {grace:g} s if it is still running"
        return CommandResult(True, message, run_id)

    def _request_stop(self, run: LiveRun, reason: str, grace: float) -> None:
        if run.stop_reason is not None:
            return
        run.stop_reason = reason
        run.state = LiveState.STOPPING
        run.stop_event.set()
        self.changed = True
        if run.child is not None and not run.timed_out:
            self._escalate(run, grace)

    def _escalate(self, run: LiveRun, grace: float) -> None:
        """After ``grace``: SIGTERM the run's process group; ``kill_after_seconds`` later: SIGKILL."""
        kill_after = self.stop_policy.kill_after_seconds
        term_at = self._clock.monotonic() + grace
        kill_at = term_at + kill_after
        term_when = self._clock.now() + timedelta(seconds=grace)
        run.escalation_at = (term_when, term_when + timedelta(seconds=kill_after))
        run.add_timer(self._timers.call_at(term_at, lambda _effects: self._signal(run, EndedBy.TERMINATED)))
        run.add_timer(self._timers.call_at(kill_at, lambda _effects: self._signal(run, EndedBy.KILLED)))

    def _signal(self, run: LiveRun, step: EndedBy) -> None:
        child = run.child
        if run.finished or child is None:
            return
        if child.pid is None:
            # Not started yet: try again in a moment rather than lose the step.
            run.add_timer(self._timers.call_at(self._clock.monotonic() + 0.05, lambda _effects: self._signal(run, step)))
            return
        run.escalated = step
        run.state = LiveState.TERMINATING
        self.changed = True
        signum = signal.SIGTERM if step is EndedBy.TERMINATED else signal.SIGKILL
        if signum is signal.SIGTERM:
            child.stop_event.mark_terminating()
        log.warning("run %d of %s: sending %s to its process group", run.run_id, run.spec.name, signum.name)
        child.signal_group(signum)

    def process_started(self, run: LiveRun) -> None:
        """A process run's child is up: its pid is now shown."""
        if not run.finished:
            self.changed = True

    # -- ends ------------------------------------------------------------------

    def complete(
        self, run: LiveRun, outcome: Outcome, ended_by: EndedBy, exit_code: int | None, now: datetime, effects: Effects
    ) -> None:
        """Record the end of a run (a second report of the same run is ignored)."""
        if run.finished:
            return
        for handle in run.timers or ():
            handle.cancel()
        status, error = final_status(run, outcome, ended_by)
        run.end(status, now, error, outcome, ended_by, exit_code)
        del self.live[run.run_id]
        name = run.spec.name
        if self.live_by_job.get(name) is run:
            del self.live_by_job[name]
        if not run.timed_out:
            self._deadlines.forget(lambda: [(r.deadline_mono, r.run_id) for r in self.live.values()])
        self.recent[name].append(status)
        if self.tally is not None:
            self.tally.run_ended(name, status, run.started_at, now)
        if status.is_failure:
            self.failures.append(now)
        self.dirty_jobs.add(name)
        self.revision += 1
        self.changed = True
        effects.records.append(run)
        if run.done is not None:
            effects.done.append(run.done)
        if status.is_failure or self.has_listeners:
            final = run.final_record()
            if status.is_failure:
                self._after_failure(run, final, now, effects)
            effects.events.append(RunFinished(final))
        if status is RunStatus.SUCCEEDED and name in self.alerts.tracked:
            if self.alerts.succeeded(name, now, run.final_record, effects):
                self.check_overdue(effects)

    # -- retries -----------------------------------------------------------------

    def _after_failure(self, run: LiveRun, final: RunRecord, now: datetime, effects: Effects) -> None:
        """Plan the next attempt of a failed run, or tell the notifiers: only the last attempt's failure is
        notified. A run an operator stopped, or one that ended while the scheduler shuts down, is not retried."""
        spec = run.spec
        policy = spec.retry
        if run.stop_reason is None and self.state is EngineState.RUNNING and policy.retries_after(final):
            self._plan_retry(spec, final, now + timedelta(seconds=policy.wait(final.attempt, self.rng)), now)
        else:
            self.alerts.failed(final, now, effects, attempts=policy.attempts)

    def _plan_retry(self, spec: JobSpec, failed: RunRecord, due: datetime, now: datetime) -> None:
        """Start the attempt after ``failed`` at ``due`` (wall clock; at once if it has passed), on the loop's timers."""
        name = spec.name
        if name in self.retries:
            self._drop_retry(name, "a later attempt replaces it")
        wait = max((due - now).total_seconds(), 0.0)
        timer = self._timers.call_at(self._clock.monotonic() + wait, lambda effects: self._retry_due(name, effects))
        pending = self.retries[name] = PendingRetry(failed, due, timer)
        self._touch(name)
        log.info(
            "run %d of %s %s (%s); %s starts at %s UTC",
            failed.id, name, failed.status.value, attempt_words(failed.attempt, spec.retry.attempts),
            attempt_words(pending.attempt, spec.retry.attempts), f"{due:%Y-%m-%d %H:%M:%S}",
        )

    def _drop_retry(self, name: str, why: str) -> None:
        pending = self.retries.pop(name)
        pending.timer.cancel()
        self._touch(name)
        log.info("the retry of run %d of %s is dropped: %s", pending.first_run_id, name, why)

    def _retry_due(self, name: str, effects: Effects) -> None:
        """A retry's timer went off: start the attempt, unless the job is paused (its last failure is
        then notified) or the scheduler is shutting down (the next leader plans it again)."""
        pending = self.retries.get(name)
        if pending is None or self.state is not EngineState.RUNNING:
            return
        if not self.may_dispatch():
            # Not surely the leader right now; a replaced one stops for good before this comes round.
            retry_at = self._clock.monotonic() + RETRY_RECHECK_SECONDS
            pending.timer = self._timers.call_at(retry_at, lambda later: self._retry_due(name, later))
            return
        del self.retries[name]
        spec = self.specs[name]
        self._touch(name)
        if name in self.paused:
            log.info("%s is paused: its retry of run %d is not run", name, pending.first_run_id)
            self.alerts.failed(pending.failed, self._clock.now(), effects, attempts=spec.retry.attempts)
            return
        started = self._start_run(
            spec, TriggeredBy.RETRY, pending.due, self._clock.now(), self._clock.monotonic(), effects,
            pending.attempt, pending.first_run_id,
        )
        if isinstance(started, str):
            log.info("the retry of run %d of %s is not run, a run of it stands for it: %s", pending.first_run_id, name, started)

    def done_event(self, run_id: int) -> threading.Event | None:
        """An event set when run ``run_id`` ends; None if it is not in progress."""
        run = self.live.get(run_id)
        if run is None:
            return None
        if run.done is None:
            run.done = threading.Event()
        return run.done

    def note_history_rewritten(self) -> None:
        """Rows were written outside a run's start or end (start-up recovery): readers read again."""
        self._history_changed()

    # -- shutdown ----------------------------------------------------------------

    def begin_shutdown(self, grace: float) -> list[LiveRun]:
        """Dispatch no more and ask every run in progress to stop; returns those runs.

        The caller says when it gives up on them with :meth:`give_up_at`."""
        self.state = EngineState.STOPPING
        self.changed = True
        self.due.clear()
        # Pending retries are not recorded: whoever leads next plans them again from the table.
        for pending in self.retries.values():
            pending.timer.cancel()
        self.retries.clear()
        self.dirty_jobs.update(self.specs)
        runs = list(self.live.values())
        for run in runs:
            self._request_stop(run, "shutdown", grace)
        return runs

    def give_up_at(self, deadline: datetime) -> None:
        """Say in the snapshots when :meth:`give_up_on_live_runs` comes (a console counts down to it)."""
        self.shutdown_deadline = deadline
        self.changed = True

    def give_up_on_live_runs(self, grace: float, now: datetime, effects: Effects) -> None:
        """Record the runs still going after the shutdown grace ``stopped``; their late ends are ignored."""
        leftover = Outcome(success=False, error_message=f"still running {grace:g} s after its stop_event was set")
        for run in list(self.live.values()):
            # What it wrote so far is kept; whatever it writes later is not.
            output = None if run.output is None else run.output.text()
            outcome = leftover if output is None else replace(leftover, output=output)
            self.complete(run, outcome, EndedBy.SHUTDOWN, None, now, effects)
