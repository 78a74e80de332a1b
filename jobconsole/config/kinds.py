"""The kinds of value a setting holds, each read from TOML (typed) and from text (a flag or a variable).

A kind raises ValueError with the rest of a sentence, ``must be ..., not ...``;
the loader puts where the value was set in front of it. Plain classes rather
than dataclasses: every shell command builds them, and dataclasses cost a
millisecond each to define.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

from jobconsole.humanize import parse_duration


def shown(value: Any) -> str:
    """A value as TOML writes it: ``"text"``, ``10``, ``true``, ``["a", "b"]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, timedelta):
        return json.dumps(f"{value.total_seconds():g}s")
    return str(value)


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


class Text:
    """A non-empty string. ``secret``: its value never appears in an error (nor in --show-config)."""

    __slots__ = ("what", "secret", "strip")

    def __init__(self, what: str, *, secret: bool = False, strip: bool = True) -> None:
        self.what, self.secret, self.strip = what, secret, strip

    def from_toml(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be {self.what} in quotes, not {_type_name(value)}")
        return self.from_text(value)

    def from_text(self, text: str) -> str:
        value = text.strip() if self.strip else text
        if not value.strip():
            raise ValueError(f"must be {self.what}, not empty")
        return value


class Seconds:
    """A number of seconds, more than 0."""

    def from_toml(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number of seconds, not {_type_name(value)} ({shown(value)})")
        return self._checked(float(value), shown(value))

    def from_text(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number of seconds, not {text!r}") from None
        return self._checked(value, repr(text))

    @staticmethod
    def _checked(value: float, as_given: str) -> float:
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"must be more than 0 seconds, not {as_given}")
        return value


class Days:
    """A number of days, 0 (for ever: nothing is deleted) up to a century."""

    def from_toml(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number of days, not {_type_name(value)} ({shown(value)})")
        return self._checked(float(value), shown(value))

    def from_text(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number of days, not {text!r}") from None
        return self._checked(value, repr(text))

    @staticmethod
    def _checked(value: float, as_given: str) -> float:
        if not (math.isfinite(value) and 0 <= value <= 36_500):
            raise ValueError(f"must be a number of days from 0 (keep every run) to 36500, not {as_given}")
        return value


class Count:
    """A whole number, 1 or more."""

    def from_toml(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a whole number, not {_type_name(value)} ({shown(value)})")
        return self._checked(value, shown(value))

    def from_text(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"must be a whole number, not {text!r}") from None
        return self._checked(value, repr(text))

    @staticmethod
    def _checked(value: int, as_given: str) -> int:
        if value < 1:
            raise ValueError(f"must be 1 or more, not {as_given}")
        return value


class Port:
    """A TCP port number; with ``allow_off``, 0 too (the service is off)."""

    __slots__ = ("allow_off",)

    def __init__(self, *, allow_off: bool = False) -> None:
        self.allow_off = allow_off

    def from_toml(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be a port number, not {_type_name(value)} ({shown(value)})")
        return self._checked(value, shown(value))

    def from_text(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"must be {self._wanted()}, not {text!r}") from None
        return self._checked(value, repr(text))

    def _checked(self, value: int, as_given: str) -> int:
        if not (0 if self.allow_off else 1) <= value < 65536:
            raise ValueError(f"must be {self._wanted()}, not {as_given}")
        return value

    def _wanted(self) -> str:
        return "a port number between 1 and 65535" + (", or 0 for off" if self.allow_off else "")


class Choice:
    """One of a few words, in any case; kept in ``upper`` or lower case."""

    __slots__ = ("choices", "upper")

    def __init__(self, choices: tuple[str, ...], *, upper: bool = False) -> None:
        self.choices, self.upper = choices, upper

    def from_toml(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be one of {', '.join(self.choices)} in quotes, not {_type_name(value)}")
        return self._checked(value, shown(value))

    def from_text(self, text: str) -> str:
        return self._checked(text, repr(text))

    def _checked(self, text: str, as_given: str) -> str:
        word = text.strip().upper() if self.upper else text.strip().lower()
        if word not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}, not {as_given}")
        return word


class Addresses:
    """Email addresses: a list of strings in TOML, comma separated in text."""

    def from_toml(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f'must be a list of addresses such as ["ops@example.org"], not {_type_name(value)}')
        return self._checked([item.strip() for item in value])

    def from_text(self, text: str) -> tuple[str, ...]:
        return self._checked([item.strip() for item in text.split(",")])

    @staticmethod
    def _checked(items: list[str]) -> tuple[str, ...]:
        addresses = tuple(item for item in items if item)
        if not addresses:
            raise ValueError("must name at least one address, not none")
        return addresses


class Duration:
    """How long: a number of seconds, or a text such as ``"30m"``, ``"1h"``, ``"1d"``; more than 0."""

    def from_toml(self, value: Any) -> timedelta:
        if isinstance(value, str):
            return self.from_text(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f'must be a duration such as "30m", "1h" or a number of seconds, not {_type_name(value)}')
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"must be more than 0 seconds, not {shown(value)}")
        return timedelta(seconds=value)

    def from_text(self, text: str) -> timedelta:
        try:
            value = parse_duration(text)
        except ValueError:
            raise ValueError(f'must be a duration such as "30m", "1h" or "1d", not {shown(text)}') from None
        if value <= timedelta(0):
            raise ValueError(f"must be more than 0 seconds, not {shown(text)}")
        return value


class Urls:
    """A list of service URLs (``scheme://...``); they hold tokens, so no error shows one."""

    def from_toml(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f'must be a list of URLs such as ["https://hooks.example.org/..."], not {_type_name(value)}')
        for index, url in enumerate(value):
            scheme, separator, rest = url.strip().partition("://")
            if not (separator and scheme and rest):
                raise ValueError(f"must be a list of URLs, each scheme://...; item {index + 1} is not")
        return tuple(url.strip() for url in value)

    def from_text(self, text: str) -> tuple[str, ...]:
        # Commas or spaces between them, as JOBCONSOLE_NOTIFY_URLS is documented: a URL holds neither.
        return self.from_toml(text.replace(",", " ").split())


Kind = Text | Seconds | Days | Count | Port | Choice | Addresses | Duration | Urls
