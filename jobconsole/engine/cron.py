"""Cron schedules: ``"*/5 * * * *"``, ``"@daily"``, or ``cron("0 3 * * *", tz="Europe/Paris")``.

A job registered with a cron schedule gets a :class:`CronCadence`, the
:class:`~jobconsole.engine.cadence.Cadence` over the ``cronsim`` library, which
reads five-field expressions as Debian's cron does (and also its extensions:
``L``, ``LW``, ``5L``, ``MON#1``). Only five fields are accepted: a sixth
(seconds) field would be a cronsim extension that behaves differently at DST.

The time zone is the one given to :func:`cron`; without one it is the machine's
local zone, resolved when the job is registered, which is also how ``schedule``'s
``.at()`` without a zone reads its time.

Daylight saving, as Debian's cron (and cronsim) define it, in a zone that has it:

* An expression whose minute and hour fields both start with a number
  (``30 2 * * *``, ``0 9-17 * * 1-5``) names wall-clock times. One that the
  spring change skips runs at the first minute after the jump (a daily 02:30 runs
  at 03:00 that day); one the autumn change repeats runs once, at its first
  occurrence (summer time).
* An expression whose minute or hour field starts with ``*`` (``*/5 * * * *``,
  ``30 * * * *``, ``0 */2 * * *``) follows the zone's clock as it is: the skipped
  hour has no runs and the repeated hour has its runs twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzlocal
from cronsim import CronSim, CronSimError

from jobconsole.engine.cron_words import cron_in_words

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
"""The named schedules and the five fields each stands for, as Debian's crontab(5) has them."""

_FIELDS = "minute hour day-of-month month day-of-week"
_PROBE_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""A fixed start for the check that an expression matches some date at all (cronsim looks 50 years ahead)."""


@dataclass(frozen=True)
class CronSchedule:
    """A cron expression and the IANA time zone to read it in, as :func:`cron` makes it.

    Nothing is checked until a job is registered with it, so that the error names the job.
    """

    expression: str
    tz: str | None = None


def cron(expression: str, tz: str | None = None) -> CronSchedule:
    """A cron schedule for ``register(job_schedule=...)``: five fields or a name such as ``@daily``.

    ``tz`` is an IANA time zone name (``"Europe/Paris"``); without it the
    expression is read in the machine's local zone. Both are checked when the job
    is registered (a ValueError naming the job and the text).
    """
    return CronSchedule(expression, tz)


@dataclass(frozen=True)
class CronCadence:
    """A :class:`~jobconsole.engine.cadence.Cadence` for a cron expression; make one with :meth:`parse`."""

    text: str
    """The expression as written (whitespace tidied): what the console shows when it has no words for it."""
    fields: str
    """The five fields, a name such as ``@daily`` replaced by its fields."""
    zone: tzinfo
    zone_name: str | None
    """The zone as the job named it; None for the machine's local zone."""

    @classmethod
    def parse(cls, expression: object, tz: object = None) -> CronCadence:
        """Check a cron expression and its zone; raises ValueError naming the text and what to write instead."""
        if not isinstance(expression, str):
            raise ValueError(f"a cron expression is a string such as '*/5 * * * *', got {expression!r}")
        text = " ".join(expression.split())
        fields = _fields_of(text, expression)
        try:
            first = next(CronSim(fields, _PROBE_FROM), None)
        except CronSimError as error:
            raise ValueError(
                f"cron expression {expression!r}: {str(error).lower()} field "
                f"(the fields are: {_FIELDS}; e.g. '*/5 * * * *' or '0 3 * * *')"
            ) from None
        if first is None:
            raise ValueError(f"cron expression {expression!r} matches no date; check its day and month fields")
        return cls(text=text, fields=fields, zone=_zone(tz), zone_name=tz if isinstance(tz, str) else None)

    @property
    def regular(self) -> bool:
        """A cron expression's due times are all known ahead."""
        return True

    @property
    def follows_elapsed_time(self) -> bool:
        """False: cron names wall-clock times, which a step of the wall clock does not move."""
        return False

    def first_run(self, now: datetime) -> datetime | None:
        """The first time the expression matches after ``now``; None if it never does again."""
        return self._after(now)

    def next_after(self, due: datetime) -> datetime | None:
        """The occurrence after the one due at ``due``: calling it on its own answer gives the next ones."""
        return self._after(due)

    def _after(self, moment: datetime) -> datetime | None:
        # cronsim counts from wall-clock time in the zone; inside an autumn change's repeated
        # hour it can answer an occurrence that already passed (its first, summer-time one),
        # which is then stepped over so that it is never run twice.
        for match in CronSim(self.fields, moment.astimezone(self.zone)):
            found = match.astimezone(timezone.utc)
            if found > moment:
                return found
        return None

    def describe(self) -> str:
        """In words where the expression has a common shape ("every day at 03:00"), else "cron <text>"."""
        words = cron_in_words(self.fields) or f"cron {self.text}"
        return words if self.zone_name is None else f"{words} ({self.zone_name})"


def _fields_of(text: str, expression: str) -> str:
    if text.startswith("@"):
        fields = ALIASES.get(text.lower())
        if fields is None:
            names = ", ".join(ALIASES)
            raise ValueError(f"cron expression {expression!r} is not a name cron knows; use one of {names}")
        return fields
    count = len(text.split())
    if count != 5:
        raise ValueError(
            f"cron expression {expression!r} has {count} field{'s' if count != 1 else ''}; "
            f"write five ({_FIELDS}), e.g. '*/5 * * * *' or '0 3 * * *', or a name such as '@daily'"
        )
    return text


def _zone(tz: object) -> tzinfo:
    if tz is None:
        try:
            return tzlocal.get_localzone()
        except (LookupError, ValueError, OSError) as error:  # a TZ or /etc/localtime that names no zone
            said = " ".join(str(error.args[0] if error.args else error).split())
            raise ValueError(
                f"cannot tell this machine's time zone ({said}); give the job one: cron(..., tz='Europe/Paris')"
            ) from None
    if not isinstance(tz, str):
        raise ValueError(f"tz must be an IANA time zone name such as 'Europe/Paris', got {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {tz!r}; use an IANA name such as 'Europe/Paris' or 'UTC'") from None
