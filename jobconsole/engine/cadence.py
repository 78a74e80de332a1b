"""When a job runs next, and how its schedule reads in words.

The engine asks a job's schedule only the questions of the :class:`Cadence`
protocol: the first due time for an instant, the due time after a given one,
the schedule in words, and whether its due times follow elapsed time (so a
wall-clock step may shift them) or the calendar. Every instant passed in or
returned is a timezone-aware UTC datetime; nothing here reads the clock.
Another kind of schedule plugs in by implementing the protocol, as cron
expressions do (:class:`~jobconsole.engine.cron.CronCadence`); the engine
needs nothing else.

:class:`ScheduleCadence` is the implementation over the ``schedule`` library's
fluent builder (``schedule.every().day.at("03:00")``): it reads the builder's
fields once and then answers "when next?" for an explicit instant. ``schedule``
itself computes next runs from the wall clock at the moment it is asked, which
is what let the original system drift; here interval jobs stay on their grid
(previous due time + interval) and time is always passed in.

Sub-day jobs with ``.at()`` (``every().hour.at(":30")``) run once every
interval of elapsed time: the first due time is found on the zone's wall
clock, the following ones are a whole period later in absolute time, so a
daylight-saving change neither skips nor doubles an hour. Day and week jobs
(``every().day.at("03:00")``, ``every().monday``) keep their wall-clock time on
both sides of a change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import schedule

_UNITS = ("seconds", "minutes", "hours", "days", "weeks")
_SUB_DAY_UNITS = ("seconds", "minutes", "hours")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@runtime_checkable
class Cadence(Protocol):
    """What the engine needs to know about a job's schedule."""

    def first_run(self, now: datetime) -> datetime | None:
        """The first due time for a job registered (or started) at ``now``; None if it never runs."""
        ...

    def next_after(self, due: datetime) -> datetime | None:
        """The due time that follows the occurrence due at ``due``; None when there is none."""
        ...

    def describe(self) -> str:
        """The schedule in words: "every day at 03:00", "every 10 minutes"."""
        ...

    @property
    def regular(self) -> bool:
        """True when the due times after a given one are known ahead; False when each is drawn when it
        comes (a random range such as ``every(5).to(10).minutes``)."""
        ...

    @property
    def follows_elapsed_time(self) -> bool:
        """True when successive due times are a fixed amount of elapsed time apart.

        Such due times may be shifted by a wall-clock step; calendar schedules
        (False) name wall-clock instants and keep them.
        """
        ...


@dataclass(frozen=True)
class ScheduleCadence:
    """A :class:`Cadence` read from a ``schedule.Job`` builder; make one with :meth:`from_job`."""

    interval: int
    unit: str
    latest: int | None = None
    at_time: time | None = None
    zone: tzinfo | None = None
    start_day: str | None = None
    until: datetime | None = None
    _fixed_step: timedelta | None = field(init=False, repr=False, compare=False, default=None)
    """The step to the next due time of a pure interval job without a random range, computed once."""

    def __post_init__(self) -> None:
        if self.follows_elapsed_time and self.latest is None:
            object.__setattr__(self, "_fixed_step", timedelta(**{self.unit: self.interval}))

    @classmethod
    def from_job(cls, job: schedule.Job) -> ScheduleCadence:
        """Read a configured ``schedule.Job``; raises ValueError naming the problem."""
        if job.unit not in _UNITS:
            raise ValueError(
                "the schedule has no unit: write e.g. schedule.every(10).minutes or schedule.every().day.at('03:00')"
            )
        if not isinstance(job.interval, int) or job.interval < 1:
            raise ValueError(f"the schedule's interval must be a whole number of at least 1, got {job.interval!r}")
        if job.latest is not None and job.latest < job.interval:
            raise ValueError(f"the schedule's range every({job.interval}).to({job.latest}) ends before it starts")
        zone: tzinfo | None = None
        if job.at_time_zone is not None:
            zone = ZoneInfo(str(job.at_time_zone))
        until = None
        if job.cancel_after is not None:
            until = job.cancel_after.astimezone(timezone.utc)
        return cls(
            interval=job.interval,
            unit=job.unit,
            latest=job.latest,
            at_time=job.at_time,
            zone=zone,
            start_day=job.start_day,
            until=until,
        )

    @property
    def follows_elapsed_time(self) -> bool:
        """True for pure interval jobs, whose runs follow ``previous due + interval``.

        False for ``.at()`` and weekday jobs: their due times are wall-clock instants.
        """
        return self.at_time is None and self.start_day is None

    @property
    def regular(self) -> bool:
        return self.latest is None

    def period(self) -> timedelta:
        amount = self.interval if self.latest is None else random.randint(self.interval, self.latest)
        return timedelta(**{self.unit: amount})

    def first_run(self, now: datetime) -> datetime | None:
        """The first due time for a job registered at ``now``."""
        return self._bounded(now + self.period() if self.follows_elapsed_time else self._next_at(now))

    def next_after(self, due: datetime) -> datetime | None:
        """The due time that follows the occurrence due at ``due``; None once ``until`` has passed."""
        step = self._fixed_step
        if step is not None and self.until is None:
            return due + step
        return self._bounded(due + self.period() if self.follows_elapsed_time else self._next_at(due))

    def _bounded(self, moment: datetime) -> datetime | None:
        if self.until is not None and moment > self.until:
            return None
        return moment

    def _next_at(self, after: datetime) -> datetime:
        """Next occurrence strictly after ``after`` of an ``.at()`` or weekday job."""
        if self.unit in _SUB_DAY_UNITS and self.start_day is None:
            return self._next_at_elapsed(after)
        return self._next_at_wall(after)

    def _next_at_elapsed(self, after: datetime) -> datetime:
        """An ``.at()`` job of seconds, minutes or hours: whole periods of elapsed time apart.

        The candidate is ``after``'s own hour (or minute) on the zone's wall clock with
        the ``.at()`` minute and second; the aware local time keeps its ``fold``, so in
        the repeated hour of an autumn change it is the right one of the two. From
        there it steps by the period in UTC, so the repeated hour runs twice and the
        skipped one not at all, each run one period after the last.
        """
        at = self.at_time
        assert at is not None
        local = after.astimezone(self.zone) if self.zone is not None else after.astimezone()
        fields = {"second": at.second, "microsecond": 0}
        if self.unit == "hours":
            fields["minute"] = at.minute
        moment = local.replace(**fields).astimezone(timezone.utc)
        period = timedelta(**{self.unit: self.interval})
        if self.interval != 1:
            moment += period
        while moment <= after:
            moment += period
        return moment

    def _next_at_wall(self, after: datetime) -> datetime:
        """A day or week job: next wall-clock occurrence strictly after ``after``, as ``schedule`` defines it."""
        wall = (after.astimezone(self.zone) if self.zone else after.astimezone()).replace(tzinfo=None)
        moment = wall
        if self.start_day is not None:
            days_ahead = _WEEKDAYS.index(self.start_day) - moment.weekday()
            moment += timedelta(days=days_ahead + 7 if days_ahead < 0 else days_ahead)
        if self.at_time is not None:
            fields = {"second": self.at_time.second, "microsecond": 0}
            if self.unit in ("days", "hours") or self.start_day is not None:
                fields["minute"] = self.at_time.minute
            if self.unit == "days" or self.start_day is not None:
                fields["hour"] = self.at_time.hour
            moment = moment.replace(**fields)
        period = timedelta(**{self.unit: self.interval})
        if self.interval != 1:
            moment += period
        while self._to_utc(moment) <= after:
            moment += period
        return self._to_utc(moment)

    def _to_utc(self, wall: datetime) -> datetime:
        if self.zone is not None:
            return wall.replace(tzinfo=self.zone).astimezone(timezone.utc)
        return wall.astimezone(timezone.utc)

    def describe(self) -> str:
        """The schedule in words: "every day at 03:00", "every 10 minutes"."""
        singular = self.unit[:-1]
        if self.start_day is not None:
            words = f"every {self.start_day}"
        elif self.latest is not None:
            words = f"every {self.interval} to {self.latest} {self.unit}"
        elif self.interval == 1:
            words = f"every {singular}"
        else:
            words = f"every {self.interval} {self.unit}"
        if self.at_time is not None:
            words += f" at {self._describe_at()}"
        if self.zone is not None:
            words += f" ({self.zone})"
        if self.until is not None:
            words += f" until {self.until:%Y-%m-%d %H:%M} UTC"
        return words

    def _describe_at(self) -> str:
        at = self.at_time
        assert at is not None
        if self.unit == "minutes" and self.start_day is None:
            return f":{at.second:02d}"
        if self.unit == "hours" and self.start_day is None:
            return f":{at.minute:02d}" + (f":{at.second:02d}" if at.second else "")
        return f"{at:%H:%M}" + (f":{at.second:02d}" if at.second else "")


def due_times(cadence: Cadence, first: datetime | None, count: int) -> tuple[datetime, ...]:
    """``first`` and the due times after it, ``count`` in all where the schedule has that many.

    Asks the cadence only (a frozen value), so the live job's state is never touched. Of a
    schedule that is not :attr:`~Cadence.regular`, only ``first`` is known ahead.
    """
    if first is None or count < 1:
        return ()
    times = [first]
    while cadence.regular and len(times) < count:
        due = cadence.next_after(times[-1])
        if due is None:
            break
        times.append(due)
    return tuple(times)
