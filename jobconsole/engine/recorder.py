"""Writes run records to the store in order, and rides out database outages.

The engine never waits for the database: it hands each record to
:class:`RunRecorder`, whose thread writes them in batches, in the order they
were made. While the database is unreachable the records wait in memory and
the thread retries with backoff; the outage is logged once when it starts and
once when it ends, not once per run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import tenacity

from jobconsole.alert_state import AlertState
from jobconsole.errors import StoreUnavailableError
from jobconsole.store.leadership import FencedError
from jobconsole.runs import RunRecord, RunUpdate

log = logging.getLogger("jobconsole.engine")


Op = RunRecord | RunUpdate | AlertState


class LiveRows(Protocol):
    """A run whose rows the recorder builds when it writes them (see LiveRun).

    The engine hands such a run over when it starts and again when it ends,
    without spending time on rows while other runs wait to start. A run that
    ended before its start was written becomes one INSERT of its final row.
    """

    def unwritten_row(self) -> Op | None:
        """What the database lacks of this run (its row, or the end of it), once; None if nothing."""
        ...


Pending = Op | LiveRows


class RecordSink(Protocol):
    def write(self, ops: Sequence[Op]) -> None: ...


def _rows(items: Iterable[Pending]) -> list[Op]:
    """The rows to write for ``items``, in order. Recorder thread only: it marks runs' rows as taken."""
    rows: list[Op] = []
    for item in items:
        if isinstance(item, (RunRecord, RunUpdate, AlertState)):
            rows.append(item)
        else:
            row = item.unwritten_row()
            if row is not None:
                rows.append(row)
    return rows


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def describe_op(op: Op) -> str:
    """``run record 12``, or ``the alert state of job feed``, for log lines."""
    return f"the alert state of job {op.job_name}" if isinstance(op, AlertState) else f"run record {op.id}"


def _log_refused(op: Op, error: Exception) -> None:
    log.error("the database refused %s (%s): %r", describe_op(op), _one_line(error), op)


class RunRecorder:
    def __init__(
        self,
        sink: RecordSink,
        batch_size: int = 1000,
        max_backoff: float = 5.0,
        linger_seconds: float = 0.05,
        busy: Callable[[], bool] | None = None,
        max_linger_seconds: float = 0.5,
        on_written: Callable[[int, bool], None] | None = None,
        on_refused: Callable[[Op, Exception], None] | None = None,
    ) -> None:
        self._sink = sink
        self._batch_size = batch_size
        self._max_backoff = max_backoff
        # Waiting a moment before writing lets a short run's start and end go in one
        # batch (one INSERT of the final row) and many runs in one transaction.
        self._linger = linger_seconds
        # While runs start (or are about to), starting them comes first: writing waits, up to a limit.
        # Batches are small enough (about 40 ms of writing) that one begun just before runs are due ends in time.
        self._busy = busy or (lambda: False)
        self._max_linger = max_linger_seconds
        # Told, on this thread, how many submitted items each batch wrote, and whether the database is reachable.
        self._on_written = on_written or (lambda _items, _ok: None)
        # A record the database refuses (a bug, a constraint) is handed here, never dropped.
        self._on_refused = on_refused or _log_refused
        self._flushing = 0
        self._condition = threading.Condition()
        self._queue: deque[Pending] = deque()
        # Taken from the queue and turned into rows, not yet written.
        self._in_flight = 0
        self._batch: list[Op] = []
        self._closing = False
        self._give_up_at = float("inf")
        self._interrupt = threading.Event()
        self._outage_started: float | None = None
        self.fenced: FencedError | None = None
        """Set when the database refused a batch because another scheduler leads: nothing more is written."""
        self._thread = threading.Thread(target=self._loop, name="jobconsole-recorder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, op: Pending) -> None:
        self.submit_many((op,))

    def submit_many(self, ops: Sequence[Pending]) -> None:
        with self._condition:
            was_empty = not self._queue
            self._queue.extend(ops)
            if was_empty:
                self._condition.notify()

    def flush(self, timeout: float) -> bool:
        """Wait until everything submitted so far is written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            self._flushing += 1
            self._condition.notify_all()
            try:
                return self._wait_until_written(deadline)
            finally:
                self._flushing -= 1

    def _wait_until_written(self, deadline: float) -> bool:
        with self._condition:
            while self._queue or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
        return True

    def close(self, timeout: float) -> list[Op]:
        """Write what is queued, waiting up to ``timeout`` for the database; return what is left, in order."""
        with self._condition:
            self._closing = True
            self._give_up_at = time.monotonic() + timeout
            self._condition.notify_all()
        self._interrupt.set()
        self._thread.join(timeout + 1.0)
        with self._condition:
            return self._batch + _rows(self._queue)

    def _loop(self) -> None:
        while True:
            with self._condition:
                while not self._queue and not self._closing:
                    self._condition.wait()
                if not self._queue:
                    return
                woke = time.monotonic()
                while not self._closing:
                    waited = time.monotonic() - woke
                    if waited >= self._max_linger:
                        break
                    # Someone flushing wants the rows now, but even then a busy engine goes first.
                    ready = self._flushing or waited >= self._linger or len(self._queue) >= self._batch_size
                    if ready and not self._busy():
                        break
                    self._condition.wait(0.001 if self._flushing else self._linger / 5)
                count = min(len(self._queue), self._batch_size)
                taken = [self._queue.popleft() for _ in range(count)]
                self._in_flight = count
            # Rows are built outside the lock: the engine may submit meanwhile.
            self._batch = _rows(taken)
            if not self._write(self._batch):
                return
            with self._condition:
                self._batch = []
                self._in_flight = 0
                # Told before flush() returns, so whoever flushed finds the progress on its way to the engine.
                self._on_written(count, True)
                self._condition.notify_all()

    def _write(self, batch: list[Op]) -> bool:
        """Write one batch, retrying through an outage; False if closing gave up on it."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(StoreUnavailableError),
            wait=tenacity.wait_exponential(multiplier=0.2, max=self._max_backoff),
            stop=self._should_give_up,
            sleep=self._interruptible_sleep,
            before_sleep=self._note_outage,
            reraise=True,
        )
        try:
            retrying(self._sink.write, batch)
        except StoreUnavailableError:
            return False
        except FencedError as error:
            self.fenced = error
            log.error("%s; this scheduler writes no more run records", error)
            return False
        except Exception as error:
            log.error("writing %d run records failed (%s); writing them one by one", len(batch), _one_line(error))
            for op in batch:
                try:
                    self._sink.write([op])
                except FencedError as fenced:
                    self.fenced = fenced
                    return False
                except StoreUnavailableError:
                    return self._write(batch[batch.index(op):])
                except Exception as refused:
                    self._on_refused(op, refused)
        if self._outage_started is not None:
            log.warning(
                "database is back after %.1f s; wrote the run records kept in memory",
                time.monotonic() - self._outage_started,
            )
            self._outage_started = None
        return True

    def _should_give_up(self, _state: tenacity.RetryCallState) -> bool:
        return self._closing and time.monotonic() >= self._give_up_at

    def _interruptible_sleep(self, seconds: float) -> None:
        """Back off; :meth:`close` cuts a long wait short, then waits are bounded by its deadline."""
        if self._closing:
            time.sleep(min(seconds, max(self._give_up_at - time.monotonic(), 0.0)))
        else:
            self._interrupt.wait(seconds)

    def _note_outage(self, state: tenacity.RetryCallState) -> None:
        if self._outage_started is None:
            self._outage_started = time.monotonic()
            self._on_written(0, False)
            exc = state.outcome.exception() if state.outcome else None
            log.error(
                "database unreachable (%s); keeping run records in memory and retrying until it is back",
                exc,
            )
