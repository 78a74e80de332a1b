"""On the leader: its state to the attach channel, and operators' commands from it.

A thread of its own, so the engine loop never waits for the database. Several
times a second it takes the commands left in the database (trigger, stop,
pause, resume) and carries them out through the scheduler's own commands, then
says what came of each. It writes the loop's latest snapshot when it changed
(at most every :data:`PUBLISH_EVERY_SECONDS`, less often when making the
document takes long: it spends at most a tenth of its time on that) and
otherwise a heartbeat every :data:`HEARTBEAT_SECONDS`: a few small writes a
second however many jobs. It keeps out of the way of runs about to start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from jobconsole.attach.wire import encode_snapshot
from jobconsole.engine.next_runs import FollowingTimes
from jobconsole.errors import StoreUnavailableError
from jobconsole.interface import CommandResult, EngineSnapshot
from jobconsole.store.attach import AttachChannel, Command, CommandKind
from jobconsole.store.leadership import Term

log = logging.getLogger("jobconsole.engine")

POLL_SECONDS = 0.1
PUBLISH_EVERY_SECONDS = 0.25
MAX_PUBLISH_EVERY_SECONDS = 0.75
HEARTBEAT_SECONDS = 1.0


class Commands(Protocol):
    """The scheduler's commands, as the publisher carries them out."""

    def run_job(self, name: str) -> CommandResult: ...

    def stop_run(self, run_id: int) -> CommandResult: ...

    def pause(self, name: str, by: str = "") -> CommandResult: ...

    def resume(self, name: str, by: str = "") -> CommandResult: ...


class Publisher:
    def __init__(
        self,
        channel: AttachChannel,
        snapshot: Callable[[], EngineSnapshot],
        commands: Commands,
        term: Term,
        holder: str,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._channel = channel
        self._busy = busy
        """Whether runs are starting or about to, or the loop is busy: publishing then waits its turn."""
        self._publish_every = PUBLISH_EVERY_SECONDS
        """At least this long between two documents: longer when a document takes long to make (many jobs)."""
        self._snapshot = snapshot
        self._commands = commands
        self._term = term
        self._holder = holder
        self._stop = threading.Event()
        self._last: EngineSnapshot | None = None
        self._following = FollowingTimes()
        self._last_write = 0.0
        self._failing = False
        self.writes = 0
        """Documents and heartbeats written so far."""
        self.cpu_seconds = 0.0
        """CPU time the publisher's thread has spent (what publishing and taking commands cost the leader)."""
        self._thread = threading.Thread(target=self._run, name="jobconsole-publisher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop, after publishing the state once more (attached consoles then see the scheduler stop)."""
        replaced = self._stop.is_set()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._channel.close_probe()
        if not replaced:
            try:
                self._channel.publish(self._term.instance, self._term.epoch, self._holder, self._document(self._snapshot()))
            except Exception as error:  # the database is gone: attached consoles see the heartbeat stop instead
                log.debug("could not publish the final state: %s", error)
        log.debug("published the state %d times, using %.3f s of CPU", self.writes, self.cpu_seconds)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            began = time.thread_time()
            try:
                self._turn()
            except StoreUnavailableError as error:
                self._note_failure(error)
            except Exception as error:  # a bug of ours or a database error: the next turn tries again
                self._note_failure(error)
                log.debug("publishing failed", exc_info=True)
            finally:
                self.cpu_seconds += time.thread_time() - began

    def _note_failure(self, error: Exception) -> None:
        if not self._failing:
            self._failing = True
            log.warning("cannot publish the scheduler's state for attached consoles (%s); retrying", error)

    def _turn(self) -> None:
        if self._channel.has_pending():
            for command in self._channel.take_pending(self._holder):
                self._carry_out(command)
        now = time.monotonic()
        if now - self._last_write < min(self._publish_every, HEARTBEAT_SECONDS) or self._busy():
            # Runs about to start come first: a document of ten thousand jobs takes the interpreter for
            # tens of milliseconds, and a due batch would wait for it.
            return
        snapshot = self._snapshot()
        if snapshot is not self._last and now - self._last_write >= self._publish_every:
            began = time.thread_time()
            document: str | None = self._document(snapshot)
            # The CPU the document took (not the wall time, which a busy loop stretches), and never so
            # long a wait that attached consoles fall more than a second behind.
            cost = time.thread_time() - began
            self._publish_every = min(max(PUBLISH_EVERY_SECONDS, 10 * cost), MAX_PUBLISH_EVERY_SECONDS)
        elif now - self._last_write >= HEARTBEAT_SECONDS:
            document = None
        else:
            return
        if not self._channel.publish(self._term.instance, self._term.epoch, self._holder, document):
            log.warning("another scheduler publishes its state now; this one stops publishing")
            self._stop.set()
            return
        if document is not None:
            self._last = snapshot
        self._last_write = now
        self.writes += 1
        if self._failing:
            self._failing = False
            log.info("publishing the scheduler's state again")

    def _document(self, snapshot: EngineSnapshot) -> str:
        return encode_snapshot(snapshot, self._following.of(snapshot))

    def _carry_out(self, command: Command) -> None:
        by = command.requested_by
        if command.kind is CommandKind.TRIGGER and command.job_name is not None:
            result = self._commands.run_job(command.job_name)
        elif command.kind is CommandKind.STOP and command.run_id is not None:
            result = self._commands.stop_run(command.run_id)
        elif command.kind is CommandKind.PAUSE and command.job_name is not None:
            result = self._commands.pause(command.job_name, by)
        elif command.kind is CommandKind.RESUME and command.job_name is not None:
            result = self._commands.resume(command.job_name, by)
        else:
            result = CommandResult(False, f"a {command.kind.value} command without its target")
        log.info("%s asked to %s %s: %s", by, command.kind.value, command.job_name or f"run {command.run_id}", result.message)
        self._channel.complete(command.id, self._holder, result.ok, result.message, result.run_id)
