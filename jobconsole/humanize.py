"""Durations as a person reads them at a glance, the same in the console, the CLI and the records.

``500ms``, ``4.2s``, ``45s``, ``2m 05s``, ``1h 02m``, ``3d 04h``: the unit changes with
the size, and within a size the format never does (no ``0s`` beside ``0.0s``).
"""

from __future__ import annotations

import re
from datetime import timedelta

_WRITTEN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_WRITTEN_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """A duration as a person writes one: ``90s``, ``15m``, ``2h``, ``7d``, ``1w``; ValueError otherwise."""
    match = _WRITTEN.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 30m, 2h or 7d")
    return timedelta(seconds=float(match.group(1)) * _WRITTEN_UNITS[match.group(2)])


def duration(seconds: float | None) -> str:
    """How long something took: ``500ms``, ``4.2s`` (under 10 s), ``45s``, ``2m 05s``, ``1h 02m``, ``3d 04h``."""
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 1:
        return f"{min(999, round(seconds * 1000))}ms"
    if seconds < 10:
        return f"{int(seconds * 10) / 10:.1f}s"
    return _whole(int(seconds), exact=False)


def elapsed(seconds: float) -> str:
    """A ticking time, in whole seconds (a countdown, time so far): ``7s``, ``2m 05s``, ``1h 02m``."""
    return _whole(int(max(0.0, seconds)), exact=False)


def limit(seconds: float) -> str:
    """A set length (a timeout, a grace), as short as it is exact: ``500ms``, ``1.5s``, ``30s``, ``15m``, ``1h 30m``."""
    seconds = max(0.0, seconds)
    if round(seconds * 1000) < 1000:
        return f"{round(seconds * 1000)}ms"
    if seconds < 10 and round(seconds, 1) != round(seconds):
        return f"{round(seconds, 1):g}s"
    return _whole(round(seconds), exact=True)


_UNITS = ((86400, "d", 3600, "h"), (3600, "h", 60, "m"), (60, "m", 1, "s"))


def _whole(whole: int, *, exact: bool) -> str:
    """``whole`` seconds in its two largest units; ``exact`` drops a second unit that is zero."""
    for size, unit, small_size, small_unit in _UNITS:
        if whole >= size:
            big, small = divmod(whole, size)
            small //= small_size
            return f"{big}{unit}" if exact and small == 0 else f"{big}{unit} {small:02d}{small_unit}"
    return f"{whole}s"
