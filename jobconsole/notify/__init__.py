"""Notifications: failed, timed-out and abandoned runs, reminders, recoveries and overdue jobs reach the
notifiers (which notices go out is the alert policy's: :mod:`jobconsole.engine.alerts`).

A notifier is any callable taking a :class:`FailureNotice` (its ``kind`` says which
:class:`NoticeKind`). Built in: :class:`LogNotifier`, :class:`EmailNotifier` (SMTP,
configured by ``JOBCONSOLE_SMTP_*``) and :class:`ServiceNotifier` (webhooks and chat
services through apprise, by URL). The scheduler sends through a :class:`NotifierSet`,
which delivers on a thread per notifier and logs and counts whatever a notifier raises.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime

from jobconsole.notify.dispatch import NotifierSet, default_notifiers, deliver, notifiers_for
from jobconsole.notify.email import EmailNotifier, SmtpSettings, send_email
from jobconsole.notify.log import LogNotifier
from jobconsole.notify.notice import FailureNotice, Notifier
from jobconsole.notify.notice import NoticeKind
from jobconsole.notify.services import ServiceNotifier
from jobconsole.runs import RunStatus

logger = logging.getLogger("jobconsole.notify")


def notify_job_failure(job_name: str, error: BaseException | str) -> None:
    """Tell the default notifiers (log, and email when configured) that ``job_name`` failed.

    The original system's entry point, for code that reports failures itself.
    Email is configured as for the ``jobconsole`` command: ``JOBCONSOLE_SMTP_*``,
    else ``[notify.email]`` in the config file (the one the command read, when
    called in one of its jobs). It sends synchronously, so it returns once the
    email is sent or has failed, and it never raises: a delivery problem is logged.
    """
    from jobconsole.config import ConfigError, load_settings

    try:
        notice = FailureNotice.from_error(
            job_name, error, status=RunStatus.FAILED, finished_at=datetime.now(UTC), host=socket.gethostname()
        )
        try:
            notifiers = notifiers_for(load_settings().email)
        except ConfigError as bad_settings:
            logger.error("email notification is off: %s", bad_settings)
            notifiers = [LogNotifier()]
        deliver(notifiers, notice)
    except Exception:
        logger.exception("could not notify the failure of job %s", job_name)


__all__ = [
    "EmailNotifier",
    "FailureNotice",
    "LogNotifier",
    "NoticeKind",
    "Notifier",
    "NotifierSet",
    "ServiceNotifier",
    "SmtpSettings",
    "default_notifiers",
    "deliver",
    "notifiers_for",
    "notify_job_failure",
    "send_email",
]
