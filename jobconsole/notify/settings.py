"""The alert policy's and the notification services' settings from the environment.

``JOBCONSOLE_ALERT_REMINDER``: the shortest time between two notices about a job
that keeps failing (``30m``, ``1h``, ``1d``, or seconds; default 1 h).
``JOBCONSOLE_NOTIFY_URLS``: apprise URLs, separated by commas or spaces.
Each value is also a ``JobScheduler.configure`` keyword, which wins.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from datetime import timedelta

from jobconsole.notify.services import split_urls

REMINDER_ENV = "JOBCONSOLE_ALERT_REMINDER"
URLS_ENV = "JOBCONSOLE_NOTIFY_URLS"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def reminder_from_env(environ: Mapping[str, str] = os.environ) -> timedelta | None:
    """``JOBCONSOLE_ALERT_REMINDER`` as a timedelta; None when unset or blank; ValueError naming it when bad."""
    text = environ.get(REMINDER_ENV, "").strip()
    if not text:
        return None
    match = _DURATION.match(text.lower())
    if match is None:
        raise ValueError(f"{REMINDER_ENV} must be a duration such as 30m, 1h or 1d (or seconds); got {text!r}")
    return reminder_interval(float(match.group(1)) * _UNIT_SECONDS[match.group(2)], REMINDER_ENV)


def reminder_interval(value: timedelta | float, name: str = "alert_reminder") -> timedelta:
    """A reminder interval given as a timedelta or seconds; ValueError naming ``name`` unless positive and finite."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{name} must be a positive duration, got {value!r}")
    return timedelta(seconds=seconds)


def urls_from_env(environ: Mapping[str, str] = os.environ) -> tuple[str, ...]:
    """The URLs in ``JOBCONSOLE_NOTIFY_URLS`` (none when unset)."""
    return split_urls(environ.get(URLS_ENV, ""))
