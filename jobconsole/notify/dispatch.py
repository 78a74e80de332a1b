"""Delivering failure notices without ever holding up the scheduler.

The scheduler hands each notice to :meth:`NotifierSet.notify`, which only
queues it. One daemon thread calls the notifiers in turn, so a slow or dead
SMTP server delays the emails, never the runs. Whatever a notifier raises is
logged and the next notifier still runs.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Mapping, Sequence

from jobconsole.notify.email import EmailNotifier, SmtpSettings
from jobconsole.notify.log import LOGGER_NAME, LogNotifier
from jobconsole.notify.notice import FailureNotice, Notifier

logger = logging.getLogger(LOGGER_NAME)


def default_notifiers(environ: Mapping[str, str] = os.environ) -> list[Notifier]:
    """The log, plus email when ``JOBCONSOLE_SMTP_HOST`` is set.

    Raises ValueError naming the variable when the SMTP settings are malformed.
    """
    notifiers: list[Notifier] = [LogNotifier()]
    settings = SmtpSettings.from_env(environ)
    if settings is not None:
        notifiers.append(EmailNotifier(settings))
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
    if isinstance(notifier, EmailNotifier | LogNotifier):
        return repr(notifier)
    name = getattr(notifier, "__qualname__", None) or type(notifier).__qualname__
    module = getattr(notifier, "__module__", None) or type(notifier).__module__
    return f"{module}.{name}"


class NotifierSet:
    """Notifiers fed from a queue by one background daemon thread.

    The thread starts with the first notice. :meth:`close` delivers what is
    already queued, within a timeout, and ends the thread.
    """

    def __init__(self, notifiers: Sequence[Notifier], *, thread_name: str = "jobconsole-notify") -> None:
        self.notifiers: tuple[Notifier, ...] = tuple(notifiers)
        self._thread_name = thread_name
        self._queue: queue.SimpleQueue[FailureNotice | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
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
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
                self._thread.start()
            self._queue.put(notice)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Deliver what is queued, waiting at most ``timeout`` seconds; later notices are refused.

        Returns False (and logs how many notices were left) if delivery did not
        finish in time; the daemon thread then carries on until the process exits.
        """
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(None)  # tells the thread to stop once it reaches this point
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            logger.warning(
                "notifications not finished after %s s; about %d notice(s) not yet sent",
                timeout,
                max(self._queue.qsize() - 1, 0),
            )
            return False
        return True

    def _run(self) -> None:
        while (notice := self._queue.get()) is not None:
            deliver(self.notifiers, notice)
