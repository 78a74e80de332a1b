"""The settings the ``jobconsole`` command runs with, once read and checked (see :mod:`jobconsole.config.loading`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from jobconsole.notify.email import SmtpSettings

DEFAULT_ORIGIN = "default"


@dataclass(frozen=True)
class AlertSettings:
    """``[alerts]`` and ``[notify.webhook]``: the alert policy's reminder interval, and the services it notifies.

    ``reminder_interval``: while a job keeps failing, at most one reminder per
    interval. ``webhook_urls``: services to notify beside email, one URL each.
    """

    reminder_interval: timedelta = timedelta(hours=1)
    webhook_urls: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Settings:
    """Every setting with its value; ``origins`` says where each came from (a flag, a variable, the file, default)."""

    database_url: str = field(repr=False)
    jobs: str
    grace_seconds: float
    state_dir: str | None
    retention_days: float
    """Runs older than this many days are deleted by the leader (0: none are)."""
    keep_per_job: int | None
    """Each job's newest runs kept whatever their age (None: no such floor)."""
    log_level: str
    log_file: str | None
    email: SmtpSettings | None
    alerts: AlertSettings
    metrics_port: int
    """0: no metrics endpoint."""
    metrics_host: str
    config_file: Path | None
    """The file read, if any."""
    values: Mapping[str, Any] = field(repr=False, compare=False)
    """Each key's value by its dotted id (``scheduler.grace_seconds``), set or default."""
    origins: Mapping[str, str] = field(repr=False, compare=False)
    """Where each key's value came from: ``--grace``, ``JOBCONSOLE_GRACE_SECONDS``,
    ``[scheduler] grace_seconds in /etc/jobconsole/jobconsole.toml`` or ``default``."""

