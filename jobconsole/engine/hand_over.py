"""What the engine loop tells other threads after each turn: rows, runs, notices, events.

The loop collects a turn's consequences in an :class:`~jobconsole.engine.dispatch.Effects`;
:class:`HandOver` applies them. Early, before the loop publishes its snapshot:
the start journal and the recorder get the rows, then the workers get the runs
(so a run whose body has begun always has its row on the way). Late, after the
publish: "run ended" waiters, notifiers and listeners, who then find the change
in the snapshot too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from jobconsole.alert_state import AlertState
from jobconsole.engine.clock import Clock
from jobconsole.engine.dispatch import Effects
from jobconsole.engine.events import RunEvent
from jobconsole.engine.journal import StartJournal
from jobconsole.engine.live_run import LiveRun
from jobconsole.engine.pool import WorkerPool
from jobconsole.engine.recorder import RunRecorder
from jobconsole.engine.tally import RunTally
from jobconsole.notify.dispatch import NotifierSet
from jobconsole.notify.notice import FailureNotice
from jobconsole.runs import RunRecord, RunUpdate

log = logging.getLogger("jobconsole.engine")

WRITE_CLEARANCE_SECONDS = 0.05
"""The recorder starts no write this close before runs are due."""


class HandOver:
    """Applies the loop's effects; called on the loop's thread (``runs_starting`` on the recorder's)."""

    def __init__(
        self,
        clock: Clock,
        pool: WorkerPool[LiveRun],
        count_submitted: Callable[[int], None],
        loop_busy: Callable[[], bool],
        next_due: Callable[[], datetime | None],
    ) -> None:
        self._clock = clock
        self._pool = pool
        self._count_submitted = count_submitted
        self._loop_busy = loop_busy
        self._next_due = next_due
        self.journal: StartJournal | None = None
        self.recorder: RunRecorder | None = None
        self.notifiers: NotifierSet | None = None
        self.listeners: list[Callable[[RunEvent], None]] = []
        self.tally: RunTally | None = None
        """Counts how late scheduled runs start, for the metrics, when they are on."""

    def prepare(self, effects: Effects) -> None:
        """For a batch made ahead of its due time: the journal's lines, written at its release."""
        if effects.records and self.journal is not None:
            effects.journal = self.journal.lines(effects.records)

    def early(self, effects: Effects) -> None:
        """Before the publish: rows to the journal and the recorder, then runs to the workers.

        Before the bodies may begin: after a kill -9 from here on, every run that started has a
        row, and whoever flushes the recorder once a body has begun finds its row on the way.
        """
        if effects.records and self.journal is not None:
            if effects.journal is not None:
                self.journal.write(effects.journal)
            else:
                self.journal.append(effects.records)
        if effects.records and self.recorder is not None:
            self._count_submitted(len(effects.records))
            self.recorder.submit_many(effects.records)
        if effects.alerts and self.recorder is not None:
            # After the rows of the runs that changed them, in the same order to the database.
            self._count_submitted(len(effects.alerts))
            self.recorder.submit_many(effects.alerts)
        if effects.tasks:
            self._pool.submit_many(effects.tasks)
            if self.tally is not None:
                self.tally.runs_started(effects.tasks)

    def late(self, effects: Effects) -> None:
        """After the publish: waiters, notifiers and listeners hear of the change."""
        for done in effects.done:
            done.set()
        for notice in effects.notices:
            self.send(notice)
        for event in effects.events:
            self.emit(event)

    def runs_starting(self) -> bool:
        """Whether runs are starting or about to, or the loop is busy: the recorder's thread then
        waits before writing.

        Writing shares the interpreter with the loop and the workers; a batch of rows
        written while a thousand runs start would make the last of them start late, and
        one written while the loop handles their ends slows both down many times over.
        """
        if self._pool.backlog or self._loop_busy():
            return True
        due = self._next_due()
        return due is not None and (due - self._clock.now()).total_seconds() < WRITE_CLEARANCE_SECONDS

    def close(
        self,
        flush_seconds: float,
        spool: Callable[[list[RunRecord | RunUpdate | AlertState]], None],
        on_loop: Callable[[Callable[[Effects], None]], object],
    ) -> bool:
        """At shutdown, once no run is in progress: write what the recorder holds (waiting up to
        ``flush_seconds`` for the database), ``spool`` what it could not, close the journal (on the
        loop's thread, which empties it as the recorder catches up) and the notifiers. Whether the
        database refused this scheduler's writes because another one leads now."""
        fenced = False
        left: list[RunRecord | RunUpdate | AlertState] = []
        if self.recorder is not None:
            left = self.recorder.close(flush_seconds)
            fenced = self.recorder.fenced is not None
            if left and fenced:
                log.error(
                    "%d run records were not written: another scheduler leads now, and it marked the runs "
                    "it found unfinished abandoned", len(left),
                )
            elif left:
                spool(left)
        journal = self.journal
        if journal is not None:
            # Kept when the database has not taken everything: the next leader replays it.
            on_loop(lambda _effects: journal.close(keep=bool(left)))
        if self.notifiers is not None:
            self.notifiers.close(5.0)
        return fenced

    def notify(self, record: RunRecord) -> None:
        """A run found abandoned (or a failure whose retries cannot be known): notified as it is, outside the
        alert policy."""
        self.send(FailureNotice.from_record(record))

    def send(self, notice: FailureNotice) -> None:
        if self.notifiers is not None:
            self.notifiers.notify(notice)

    def emit(self, event: RunEvent) -> None:
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a run listener raised; ignoring it")
