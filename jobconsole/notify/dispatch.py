"""Delivering notices without ever holding up the scheduler.

The scheduler hands each notice to :meth:`NotifierSet.notify`, which only
queues it. Each notifier has its own daemon thread and queue, so a slow or dead
SMTP server or webhook delays its own notices, never the runs, their records
or another notifier. Whatever a notifier raises is logged and counted
(:meth:`NotifierSet.failures`, a metric).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence

from jobconsole.notify.email import EmailNotifier, SmtpSettings
from jobconsole.notify.log import LOGGER_NAME, LogNotifier
from jobconsole.notify.notice import FailureNotice, Notifier
from jobconsole.notify.services import ServiceNotifier

logger = logging.getLogger(LOGGER_NAME)


def default_notifiers(environ: Mapping[str, str] = os.environ) -> list[Notifier]:
    """The log, plus email when ``JOBCONSOLE_SMTP_HOST`` is set.

    Raises ValueError naming the variable when the SMTP settings are malformed.
    """
    return notifiers_for(SmtpSettings.from_env(environ))


def notifiers_for(email: SmtpSettings | None) -> list[Notifier]:
    """The log, plus email when ``email`` is given."""
    notifiers: list[Notifier] = [LogNotifier()]
    if email is not None:
        notifiers.append(EmailNotifier(email))
    return notifiers


def deliver(notifiers: Sequence[Notifier], notice: FailureNotice) -> None:
    """Call every notifier with ``notice`` here and now; log, never raise, what they raise."""
    for notifier in notifiers:
        try:
            notifier(notice)
        except Exception:
            # The traceback holds no frame locals, and the settings' repr hides the password.
            logger.exception("notifier %s failed for job %s run %s", describe(notifier), notice.job_name, notice.run_id)


def describe(notifier: Notifier) -> str:
    """A short name for a notifier in log lines.

    The built-in notifiers have a repr made for that; for anything else only
    the name is used, since a repr (a functools.partial's, say) may show secrets.
    """
    if isinstance(notifier, EmailNotifier | LogNotifier | ServiceNotifier):
        return repr(notifier)
    name = getattr(notifier, "__qualname__", None) or type(notifier).__qualname__
    module = getattr(notifier, "__module__", None) or type(notifier).__module__
    return f"{module}.{name}"


class _Lane:
    """One notifier, its own bounded queue and its own daemon thread: a slow notifier delays no other."""

    def __init__(self, notifier: Notifier, thread_name: str, max_queue: int) -> None:
        self.notifier = notifier
        self.name = describe(notifier)
        self._thread_name = thread_name
        self.queue: queue.Queue[FailureNotice | None] = queue.Queue(maxsize=max_queue)
        self.thread: threading.Thread | None = None
        self.dropped = 0
        """Notices refused since the queue was last found full; owned by notify()'s callers (under the set's lock)."""
        self.dropped_total = 0
        """Every notice refused so far (under the set's lock)."""
        self._failed = 0
        """Failed deliveries since the notifier last worked (this lane's thread only)."""
        self.failed_total = 0
        """Every failed delivery so far: written by this lane's thread alone, read by whoever reports it."""

    def offer(self, notice: FailureNotice) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
            self.thread.start()
        try:
            self.queue.put_nowait(notice)
        except queue.Full:
            if not self.dropped:
                logger.error(
                    "notifier %s is behind: its queue of %d notices is full; dropping notices until it catches up",
                    self.name, self.queue.maxsize,
                )
            self.dropped += 1
            self.dropped_total += 1
            return
        if self.dropped:
            logger.warning("notifier %s caught up; %d notices were dropped meanwhile", self.name, self.dropped)
            self.dropped = 0

    def _run(self) -> None:
        while (notice := self.queue.get()) is not None:
            self._deliver(notice)
        if self._failed:
            logger.error("notifier %s still failing at shutdown: %d notices not delivered", self.name, self._failed)

    def _deliver(self, notice: FailureNotice) -> None:
        try:
            self.notifier(notice)
        except Exception as error:
            # Once per outage, one line; the traceback for whoever debugs. It holds no frame locals,
            # and the settings' repr hides the password.
            if not self._failed:
                logger.error(
                    "notifier %s failed for job %s run %s: %s; further failures are counted until it works again",
                    self.name, notice.job_name, notice.run_id, describe_error(error),
                )
                logger.debug("notifier %s failure", self.name, exc_info=True)
            self._failed += 1
            self.failed_total += 1
            return
        if self._failed:
            logger.warning("notifier %s works again; %d notices failed meanwhile", self.name, self._failed)
            self._failed = 0


def describe_error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class NotifierSet:
    """Notifiers, each fed from its own bounded queue by its own daemon thread.

    A lane's thread starts with the first notice. A notifier that hangs (an SMTP server that accepts and
    never answers) holds up its own notices only, up to ``max_queue`` of them; past that notices for it
    are dropped, counted and logged. :meth:`close` delivers what is already queued, within a timeout,
    and says how many were left.
    """

    def __init__(
        self, notifiers: Sequence[Notifier], *, thread_name: str = "jobconsole-notify", max_queue: int = 1000
    ) -> None:
        self.notifiers: tuple[Notifier, ...] = tuple(notifiers)
        self._lanes = [_Lane(notifier, thread_name, max_queue) for notifier in self.notifiers]
        self._lock = threading.Lock()
        self._closed = False

    def notify(self, notice: FailureNotice) -> None:
        """Queue ``notice`` for every notifier and return at once."""
        with self._lock:
            if self._closed:
                logger.warning(
                    "notifications are closed; not sending the notice for job %s run %s %s",
                    notice.job_name,
                    notice.run_id,
                    notice.status.value,
                )
                return
            for lane in self._lanes:
                lane.offer(notice)

    def failures(self) -> dict[str, int]:
        """Notices each notifier failed to deliver so far (it raised, or its queue was full), by its name."""
        with self._lock:
            counts = [(lane.name, lane.dropped_total) for lane in self._lanes]
        totals: dict[str, int] = {}
        for (name, dropped), lane in zip(counts, self._lanes):
            totals[name] = totals.get(name, 0) + dropped + lane.failed_total
        return totals

    def close(self, timeout: float | None = 10.0) -> bool:
        """Deliver what is queued, waiting at most ``timeout`` seconds in all; later notices are refused.

        Returns False (and logs how many notices were left) if delivery did not finish in time;
        the daemon threads then carry on until the process exits.
        """
        with self._lock:
            self._closed = True
            started = [lane for lane in self._lanes if lane.thread is not None]
            for lane in started:
                # Tells the thread to stop once it reaches this point; waits for room if the queue is full.
                threading.Thread(target=lane.queue.put, args=(None,), daemon=True).start()
            dropped = sum(lane.dropped for lane in self._lanes)
        if dropped:
            logger.warning("%d notices were dropped because their notifiers were behind", dropped)
        deadline = None if timeout is None else time.monotonic() + timeout
        left = 0
        for lane in started:
            assert lane.thread is not None
            lane.thread.join(None if deadline is None else max(deadline - time.monotonic(), 0.0))
            if lane.thread.is_alive():
                left += lane.queue.qsize()
        if any(lane.thread is not None and lane.thread.is_alive() for lane in started):
            logger.warning(
                "notifications not finished after %s s; about %d notice(s) not yet sent", timeout, max(left - 1, 0)
            )
            return False
        return True
