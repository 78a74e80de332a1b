"""When a job runs next, and how its schedule reads in words.

Jobs are declared with the ``schedule`` library's fluent builder
(``schedule.every().day.at("03:00")``); :class:`Cadence` reads the builder's
fields once and then answers "when next?" for an explicit instant. ``schedule``
itself computes next runs from the wall clock at the moment it is asked, which
is what let the original system drift; here interval jobs stay on their grid
(previous due time + interval) and time is always passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import schedule

_UNITS = ("seconds", "minutes", "hours", "days", "weeks")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Cadence:
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
        if self.on_grid and self.latest is None:
            object.__setattr__(self, "_fixed_step", timedelta(**{self.unit: self.interval}))

    @classmethod
    def from_job(cls, job: schedule.Job) -> Cadence:
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
    def on_grid(self) -> bool:
        """True for pure interval jobs, whose runs follow ``previous due + interval``."""
        return self.at_time is None and self.start_day is None

    def period(self) -> timedelta:
        amount = self.interval if self.latest is None else random.randint(self.interval, self.latest)
        return timedelta(**{self.unit: amount})

    def first_run(self, now: datetime) -> datetime | None:
        """The first due time for a job registered at ``now``."""
        return self._bounded(now + self.period() if self.on_grid else self._next_at(now))

    def next_after(self, due: datetime) -> datetime | None:
        """The due time that follows the occurrence due at ``due``; None once ``until`` has passed."""
        step = self._fixed_step
        if step is not None and self.until is None:
            return due + step
        return self._bounded(due + self.period() if self.on_grid else self._next_at(due))

    def _bounded(self, moment: datetime) -> datetime | None:
        if self.until is not None and moment > self.until:
            return None
        return moment

    def _next_at(self, after: datetime) -> datetime:
        """Next wall-clock occurrence strictly after ``after``, as ``schedule`` defines it."""
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
            words += f" {self.zone}"
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
