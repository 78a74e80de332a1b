"""Common cron shapes in words, as the console shows schedules: "every 5 minutes", "every day at 03:00".

The words follow :meth:`ScheduleCadence.describe <jobconsole.engine.cadence.ScheduleCadence.describe>`,
so a cron job and a ``schedule`` job that run alike read alike. Only shapes whose
words are exact are named; anything else (lists, ranges, ``L``, day-of-month
together with day-of-week, which cron joins with "or") returns None and is shown
as the cron text itself.
"""

from __future__ import annotations

import re

_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_NUMBER = re.compile(r"\d{1,2}")
_STEP = re.compile(r"\*/(\d{1,2})")


def cron_in_words(fields: str) -> str | None:
    """Five cron fields in words when they have a common shape, else None."""
    minute, hour, day, month, weekday = fields.upper().split()
    at_minute = _number(minute, 0, 59)
    at_hour = _number(hour, 0, 23)
    if (day, month, weekday) == ("*", "*", "*"):
        return _within_a_day(minute, hour, at_minute, at_hour)
    if at_minute is None or at_hour is None:
        return None
    at = f"{at_hour:02d}:{at_minute:02d}"
    if (day, month) == ("*", "*"):
        on_day = _weekday(weekday)
        if on_day is not None:
            return f"every {on_day} at {at}"
        if weekday in ("1-5", "MON-FRI"):
            return f"every monday to friday at {at}"
        return None
    day_of_month = _number(day, 1, 31)
    if weekday != "*" or day_of_month is None:
        return None
    if month == "*":
        return f"every month on day {day_of_month} at {at}"
    in_month = _month(month)
    return None if in_month is None else f"every year on {in_month} {day_of_month} at {at}"


def _within_a_day(minute: str, hour: str, at_minute: int | None, at_hour: int | None) -> str | None:
    if hour == "*":
        if minute == "*":
            return "every minute"
        every = _step(minute, 60)
        if every is not None:
            return "every minute" if every == 1 else f"every {every} minutes"
        return None if at_minute is None else f"every hour at :{at_minute:02d}"
    if at_minute is None:
        return None
    if at_hour is not None:
        return f"every day at {at_hour:02d}:{at_minute:02d}"
    every = _step(hour, 24)
    if every is None:
        return None
    return f"every hour at :{at_minute:02d}" if every == 1 else f"every {every} hours at :{at_minute:02d}"


def _number(field: str, low: int, high: int) -> int | None:
    if not _NUMBER.fullmatch(field):
        return None
    value = int(field)
    return value if low <= value <= high else None


def _step(field: str, whole: int) -> int | None:
    """N for ``*/N`` when N divides the whole (60 minutes, 24 hours): only then are runs N apart."""
    matched = _STEP.fullmatch(field)
    if matched is None:
        return None
    step = int(matched.group(1))
    return step if step > 0 and whole % step == 0 else None


def _weekday(field: str) -> str | None:
    if field in _DAY_NAMES:
        return _DAYS[_DAY_NAMES.index(field)]
    number = _number(field, 0, 7)
    return None if number is None else _DAYS[number % 7]


def _month(field: str) -> str | None:
    if field in _MONTH_NAMES:
        return _MONTHS[_MONTH_NAMES.index(field)]
    number = _number(field, 1, 12)
    return None if number is None else _MONTHS[number - 1]
