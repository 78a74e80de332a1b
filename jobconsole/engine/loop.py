"""The engine loop: the one thread that owns the scheduling state.

Everything that changes the state reaches the loop as a message: commands from
the facade (trigger, stop, register, shutdown), runs' ends from the workers,
the recorder's progress. The loop wakes for a message, a due job, a deadline
or a timer; handles them in one turn; hands rows to the recorder and runs to
the workers; then publishes a new :class:`EngineSnapshot`, which readers take
without any lock. Replies to commands, run listeners and "run ended" waiters
are served after the publish, so whoever hears of a change sees it in the
snapshot too, and no snapshot shows a change the recorder was not yet given.

A large batch of jobs due at one instant is made just ahead of it and handed
over at it (:meth:`EngineLoop._dispatch_staged`), so that its last run does not
start late by the time it takes to make the first ones.

Waits are on the injected clock's monotonic reading; due times are wall-clock
and converted to a wait at each sleep, which is capped, so a wall-clock step is
noticed within :data:`MAX_SLEEP_SECONDS` and handled once.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from jobconsole.engine.clock import Clock
from jobconsole.engine.dispatch import Dispatcher, Effects
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.outcome import Outcome
from jobconsole.engine.snapshots import SnapshotBuilder
from jobconsole.engine.timers import Timers
from jobconsole.interface import EngineSnapshot
from jobconsole.runs import EndedBy

log = logging.getLogger("jobconsole.engine")

T = TypeVar("T")
Message = Callable[[Effects], Any]

MAX_SLEEP_SECONDS = 30.0
"""The longest the loop sleeps without looking at the wall clock."""
WALL_STEP_SECONDS = 1.0
"""A jump of the wall clock against the monotonic clock larger than this is a step."""
_GIVE_WAY_SECONDS = 0.5
"""The longest runs' ends wait for runs still to start."""
_GIVE_WAY_STEP = 0.001
_GC_PAUSE_SECONDS = 0.5
"""The longest the collector stays paused for a batch of runs to start, end and be recorded."""
_STUCK_SECONDS = 0.02
"""Workers that take no run for this long are stuck in long runs: the ends are recorded meanwhile."""
_PUBLISH_AT_LEAST_EVERY = 0.1
"""While runs wait for workers, publishing waits too, but no longer than this (real seconds)."""
STAGE_MIN_RUNS = 50
"""A batch of at least this many jobs due at one instant is prepared ahead of its due time."""
_STAGE_BASE_SECONDS = 0.002
_STAGE_MAX_SECONDS = 0.1
_RESTAMP_SECONDS = 0.001
"""Runs released later than planned by more than this get their start time and deadline from the release."""


class Reply(Generic[T]):
    """The answer to a message, which the sender waits for."""

    __slots__ = ("_event", "_value", "_error")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def resolve(self, value: T) -> None:
        self._value = value
        self._event.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._event.set()

    def wait(self, timeout: float | None = None) -> T:
        if not self._event.wait(timeout):
            raise TimeoutError(f"the engine loop did not answer within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[no-any-return]


class EngineLoop:
    def __init__(
        self,
        clock: Clock,
        dispatcher: Dispatcher,
        timers: Timers,
        builder: SnapshotBuilder,
        apply_early: Callable[[Effects], None],
        apply_late: Callable[[Effects], None],
        backlog: Callable[[], int],
        prepare: Callable[[Effects], None] = lambda _effects: None,
    ) -> None:
        self._clock = clock
        self._dispatcher = dispatcher
        self._timers = timers
        self._builder = builder
        self._apply_early = apply_early
        """Hands rows to the recorder and runs to the workers: before the publish."""
        self._apply_late = apply_late
        """Sets "run ended" events, sends notices, calls listeners: after the publish."""
        self._backlog = backlog
        self._prepare = prepare
        """Does ahead of a staged batch's release what :attr:`_apply_early` can use (the journal's lines)."""
        self._condition = threading.Condition()
        self._inbox: deque[tuple[Message, Reply[Any] | None]] = deque()
        self._completions: deque[tuple[LiveRun, Outcome, EndedBy, int | None]] = deque()
        self._wake_pending = False
        """Set by a worker that woke the loop for its completion; cleared by the loop before it drains."""
        self._thread: threading.Thread | None = None
        self._inline = threading.Lock()
        """Serialises callers before the thread starts, when messages run on the caller's thread."""
        self._exit = False
        self._offset: float | None = None
        self._idle_waiters: list[tuple[Reply[None], bool]] = []
        self._drained_waiters: list[Reply[None]] = []
        self._unpublished_since: float | None = None
        self._gc_paused = 0.0
        """When the loop paused the garbage collector for a batch of runs to start (0: it did not)."""
        self._unpublished = False
        self._stages = getattr(clock, "real_time", False)
        """Whether large batches are prepared ahead of their due time (real clocks only)."""
        self._stage_per_run = 20e-6
        """Seconds one run of a batch took to prepare, as last measured (a cautious guess at first)."""
        self._stage_wait = threading.Condition()
        # Recorder progress, reported from its thread as messages.
        self._submitted = 0
        self._written = 0
        self._store_ok = True
        self.on_caught_up: Callable[[], None] = lambda: None
        """Called on the loop's thread when the recorder has written everything handed to it."""
        self._in_turn = False
        self.next_due: datetime | None = None
        """The earliest due time as of the loop's last turn; read by the recorder's thread to keep clear of it."""
        self._published: EngineSnapshot = builder.build(dispatcher, clock.now(), True, 0)

    # -- from other threads ---------------------------------------------------------------------

    @property
    def published(self) -> EngineSnapshot:
        """The latest snapshot; replaced whole by the loop, read by any thread without a lock."""
        if (self._unpublished or self._dispatcher.changed) and not self.running:
            with self._inline:
                if not self.running:
                    self._publish(self._clock.now())
        return self._published

    @property
    def busy(self) -> bool:
        """Whether the loop is handling a turn or has work waiting; read by the recorder's thread, which
        then holds its writes (a write and a busy loop share the interpreter badly: each row the driver
        writes waits for the loop to let go of it)."""
        return self._in_turn or bool(self._completions) or bool(self._inbox)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="jobconsole-engine", daemon=True)
        self._thread.start()

    def post(self, message: Message, reply: Reply[Any] | None = None) -> None:
        with self._condition:
            self._inbox.append((message, reply))
            self._condition.notify()

    def call(self, message: Callable[[Effects], T], timeout: float | None = None) -> T:
        """Run ``message`` on the loop and return what it returned (or raise what it raised).

        Before the loop has started, and after it has ended, the state has no owning thread
        and the message runs on the caller's; the snapshot is then made when it is next read
        (registering 10,000 jobs must not sort them 10,000 times).
        """
        if not self.running:
            with self._inline:
                if not self.running:
                    effects = Effects()
                    result = message(effects)
                    self._apply_early(effects)
                    self._unpublished = True
                    self._apply_late(effects)
                    return result
        reply: Reply[T] = Reply()
        self.post(message, reply)
        return reply.wait(timeout)

    def report(self, run: LiveRun, outcome: Outcome, ended_by: EndedBy, exit_code: int | None) -> None:
        """A worker hands over a run's end. Cheap: most completions take no lock."""
        self._completions.append((run, outcome, ended_by, exit_code))
        # A set flag means a wake-up is already on its way and the loop will see this item too.
        if not self._wake_pending:
            self._wake_pending = True
            with self._condition:
                self._condition.notify()

    def note_written(self, items: int, store_ok: bool) -> None:
        """The recorder's thread: ``items`` more records are in the database; whether it is reachable."""
        self.post(lambda _effects: self._recorder_progress(items, store_ok))

    def settle(self, timeout: float, include_runs: bool = True) -> None:
        """Wait until the loop is idle: nothing to handle or due now, the snapshot published, and
        (``include_runs``) no run in progress. With a ManualClock this is "run until idle"."""
        if not self.running:
            return
        reply: Reply[None] = Reply()
        self.post(lambda _effects: self._idle_waiters.append((reply, include_runs)))
        reply.wait(timeout)

    def when_drained(self) -> Reply[None]:
        """A reply resolved once no run is in progress (the loop must be running)."""
        reply: Reply[None] = Reply()
        self.post(lambda _effects: self._drained_waiters.append(reply))
        return reply

    def stop(self, last: Message) -> None:
        """Run ``last`` on the loop, publish, and end the thread."""

        def final(effects: Effects) -> None:
            last(effects)
            self._exit = True

        self.call(final)
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join()

    # -- the loop's thread ----------------------------------------------------------------------

    def count_submitted(self, items: int) -> None:
        """Rows handed to the recorder (called while applying effects, on the loop's thread)."""
        self._submitted += items

    def _recorder_progress(self, items: int, store_ok: bool) -> None:
        self._written += items
        if items and self._written == self._submitted:
            self.on_caught_up()
        if store_ok != self._store_ok or items:
            self._store_ok = store_ok
            self._unpublished = True

    def _run(self) -> None:
        while not self._exit:
            messages, completions = self._wait_for_work()
            self._in_turn = True
            try:
                self._turn(messages, completions)
            except Exception:  # a bug of ours: one turn is lost, not the scheduler
                log.exception("internal error in the engine loop; the scheduler keeps going")
            finally:
                self._in_turn = False

    def _wait_for_work(self) -> tuple[list[tuple[Message, Reply[Any] | None]], bool]:
        with self._condition:
            while not self._inbox and not self._completions:
                timeout = self._sleep_for()
                if timeout is not None and timeout <= 0:
                    break
                self._clock.wait(self._condition, timeout)
            messages = list(self._inbox)
            self._inbox.clear()
        return messages, bool(self._completions)

    def _sleep_for(self) -> float:
        """How long the loop may sleep (monotonic seconds), unless a message comes first."""
        clock = self._clock
        now_mono = clock.monotonic()
        candidates: list[float] = [MAX_SLEEP_SECONDS]
        for at in (self._timers.next_at(), self._dispatcher.next_deadline()):
            if at is not None:
                candidates.append(at - now_mono)
        due = self._dispatcher.due.earliest()
        if due is not None and self._dispatcher.may_dispatch():
            candidates.append((due - clock.now()).total_seconds() - self._stage_lead())
        if self._unpublished or self._gc_paused:
            candidates.append(0.02)
        return min(candidates)

    def _turn(self, messages: list[tuple[Message, Reply[Any] | None]], completions: bool) -> None:
        clock = self._clock
        effects = Effects()
        now = clock.now()
        now_mono = clock.monotonic()
        self._watch_wall_clock(now, now_mono)
        answers: list[tuple[Reply[Any], Any, BaseException | None]] = []
        for message, reply in messages:
            try:
                value = message(effects)
            except BaseException as error:  # the sender hears of it; the loop goes on
                if reply is None:
                    log.exception("internal error in an engine message; the scheduler keeps going")
                    continue
                answers.append((reply, None, error))
            else:
                if reply is not None:
                    answers.append((reply, value, None))
        try:
            self._handle(now, now_mono, completions, effects, quiet=not answers)
        finally:
            for reply, value, error in answers:
                if error is None:
                    reply.resolve(value)
                else:
                    reply.fail(error)
        self._serve_waiters(now, now_mono)

    def _handle(self, now: datetime, now_mono: float, completions: bool, effects: Effects, quiet: bool) -> None:
        """The rest of a turn: runs' ends, timers, deadlines, due jobs; hand over, publish, announce."""
        dispatcher = self._dispatcher
        if completions:
            self._complete_runs(effects)
        for callback in self._timers.pop_due(now_mono):
            callback(effects)
        dispatcher.on_deadlines(now_mono, effects)
        earliest = dispatcher.due.earliest()
        if earliest is not None and earliest <= now and dispatcher.may_dispatch():
            self._dispatch_due(now, now_mono, effects)
        elif (
            earliest is not None
            and (lead := self._stage_lead()) > 0
            and (earliest - now).total_seconds() <= lead
            and dispatcher.may_dispatch()
        ):
            self._dispatch_staged(earliest, now_mono + (earliest - now).total_seconds(), effects)
        else:
            self._apply_early(effects)
        self.next_due = dispatcher.due.earliest()
        if dispatcher.changed or self._unpublished:
            quiet = quiet and not (effects.events or effects.done or effects.notices or self._idle_waiters)
            if quiet and (self._backlog() or (self._stages and len(effects.tasks) >= STAGE_MIN_RUNS)):
                # Runs are waiting for workers, or a batch of them has just started and will mostly have
                # ended by the next turn: publishing can wait (the next turn comes within 20 ms), but
                # not for ever.
                if self._unpublished_since is None:
                    self._unpublished_since = time.monotonic()
                if time.monotonic() - self._unpublished_since < _PUBLISH_AT_LEAST_EVERY:
                    self._unpublished = True
                else:
                    self._publish(now)
            else:
                self._publish(now)
        self._apply_late(effects)
        self._resume_gc()

    def _dispatch_due(self, now: datetime, now_mono: float, effects: Effects) -> None:
        """Start every due run and hand the runs to the workers, with the garbage collector paused
        (if the application has it on) until the batch is over: a thousand runs due at once
        allocate enough to set off several collections, and each, a full one above all, is a
        pause for every run still to start, and then for their ends and their rows. The
        collector is on again once the workers have taken every run, the loop has handled
        every end handed to it and the recorder has written every row, so it runs while the
        engine is idle; and within :data:`_GC_PAUSE_SECONDS` whatever happens."""
        if not self._gc_paused and gc.isenabled():
            gc.disable()
            self._gc_paused = time.monotonic()
        self._dispatcher.on_due(now, now_mono, effects)
        self._apply_early(effects)

    def _stage_lead(self) -> float:
        """How long before a batch is due the loop wakes to prepare it (0: it is made when due)."""
        if not self._stages:
            return 0.0
        size = self._dispatcher.due.earliest_size()
        if size < STAGE_MIN_RUNS:
            return 0.0
        return min(_STAGE_BASE_SECONDS + 2 * self._stage_per_run * size, _STAGE_MAX_SECONDS)

    def _dispatch_staged(self, due: datetime, due_mono: float, effects: Effects) -> None:
        """Make a large batch's runs just before it is due, and hand them to the workers when it is.

        Making a thousand runs takes milliseconds; made at the due time, the last of
        them would start that much late. The loop wakes :meth:`_stage_lead` ahead,
        makes the runs as if at ``due``, waits for that instant (messages wait too,
        for at most the lead) and only then lets the workers and the recorder have
        them. If the wait overshoots, the runs' start times and deadlines are
        taken from the release instead, so no row says a run began before it did.
        """
        if not self._gc_paused and gc.isenabled():
            gc.disable()
            self._gc_paused = time.monotonic()
        clock = self._clock
        began = time.perf_counter()
        self._dispatcher.on_due(due, due_mono, effects)
        self._prepare(effects)
        if effects.tasks:
            measured = (time.perf_counter() - began) / len(effects.tasks)
            self._stage_per_run = (self._stage_per_run + measured) / 2
        with self._stage_wait:
            while (left := due_mono - clock.monotonic()) > 0:
                clock.wait(self._stage_wait, left)
        released_mono = clock.monotonic()
        if released_mono - due_mono > _RESTAMP_SECONDS:
            self._dispatcher.restamp(effects, clock.now(), released_mono)
            effects.journal = None
        self._apply_early(effects)

    def _resume_gc(self) -> None:
        """Turn the collector back on once the batch is over (or the pause has lasted long enough)."""
        if not self._gc_paused:
            return
        over = not self._backlog() and not self._completions and self._written >= self._submitted
        if over or time.monotonic() - self._gc_paused > _GC_PAUSE_SECONDS:
            self._gc_paused = 0.0
            gc.enable()

    def _complete_runs(self, effects: Effects) -> None:
        # Runs waiting for a worker start first: while the workers get through them, recording the
        # ends waits, as long as they make progress (a worker's turn can be held up by a collection).
        began = progress = time.monotonic()
        waiting = self._backlog()
        while waiting:
            time.sleep(_GIVE_WAY_STEP)
            now = time.monotonic()
            waiting, before = self._backlog(), waiting
            if waiting < before:
                progress = now
            if now - progress > _STUCK_SECONDS or now - began > _GIVE_WAY_SECONDS:
                break
        self._resume_gc()
        self._wake_pending = False
        now = self._clock.now()
        completions = self._completions
        complete = self._dispatcher.complete
        while True:
            try:
                run, outcome, ended_by, exit_code = completions.popleft()
            except IndexError:
                break
            complete(run, outcome, ended_by, exit_code, now, effects)

    def _publish(self, now: datetime) -> None:
        pending = max(self._submitted - self._written, 0)
        self._published = self._builder.build(self._dispatcher, now, self._store_ok, pending)
        self._unpublished = False
        self._unpublished_since = None

    def _watch_wall_clock(self, now: datetime, now_mono: float) -> None:
        offset = now.timestamp() - now_mono
        previous, self._offset = self._offset, offset
        if previous is not None and abs(offset - previous) > WALL_STEP_SECONDS:
            self._dispatcher.on_wall_step(timedelta(seconds=offset - previous))

    def _serve_waiters(self, now: datetime, now_mono: float) -> None:
        dispatcher = self._dispatcher
        if self._drained_waiters and not dispatcher.live:
            for reply in self._drained_waiters:
                reply.resolve(None)
            self._drained_waiters.clear()
        if not self._idle_waiters or self._inbox or self._completions or self._unpublished or dispatcher.changed:
            return
        due = dispatcher.due.earliest()
        if due is not None and due <= now:
            return
        for at in (self._timers.next_at(), dispatcher.next_deadline()):
            if at is not None and at <= now_mono:
                return
        waiting = []
        for reply, include_runs in self._idle_waiters:
            if include_runs and dispatcher.live:
                waiting.append((reply, include_runs))
            else:
                reply.resolve(None)
        self._idle_waiters = waiting
