"""Words, symbols and numbers the console shows: durations, countdowns, statuses.

Plain functions of their arguments (the current time is passed in), so the
screens stay deterministic under a frozen clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.style import Style
from rich.text import Span, Text

from jobconsole import humanize
from jobconsole.console.sanitize import strip_control
from jobconsole.interface import LiveState
from jobconsole.runs import RunStatus


@dataclass(frozen=True)
class StatusLook:
    symbol: str
    word: str
    tone: str
    """A theme tone: "success", "warning", "error", "running" or "muted"."""


STATUS_LOOKS: dict[RunStatus, StatusLook] = {
    RunStatus.SUCCEEDED: StatusLook("✓", "succeeded", "success"),
    RunStatus.FAILED: StatusLook("✗", "failed", "error"),
    RunStatus.TIMED_OUT: StatusLook("◷", "timed out", "error"),
    RunStatus.ABANDONED: StatusLook("?", "abandoned", "error"),
    RunStatus.STOPPED: StatusLook("■", "stopped", "warning"),
    RunStatus.SKIPPED: StatusLook("»", "skipped", "muted"),
    RunStatus.MISSED: StatusLook("∅", "missed", "warning"),
    RunStatus.RUNNING: StatusLook("▶", "running", "running"),
}

ACTIVE_STATE_WORDS: dict[LiveState, tuple[str, str]] = {
    LiveState.RUNNING: ("running", "running"),
    LiveState.STOPPING: ("stopping…", "warning"),
    LiveState.TERMINATING: ("terminating", "warning"),
    LiveState.OVERDUE: ("timed out", "error"),
}


def live_state_words(state: LiveState, next_step: str | None, next_step_at: datetime | None, now: datetime) -> str:
    """What a run in progress is doing and what happens to it next: ``timed out · SIGTERM in 8s``,
    ``terminating · SIGKILL in 3s``, ``timed out · waiting for it to return`` (a thread run
    cannot be ended from outside)."""
    word = ACTIVE_STATE_WORDS[state][0]
    if state is LiveState.RUNNING:
        return word
    if next_step is not None and next_step_at is not None:
        seconds = (next_step_at - now).total_seconds()
        return f"{word} · {next_step} {'due' if seconds <= 0 else 'in ' + format_elapsed(seconds + 0.999)}"
    if state is LiveState.TERMINATING:
        return word
    return f"{word} · waiting for it to return"


class Palette:
    """Rich styles for the console's tones, taken from the theme's variables."""

    def __init__(self, variables: dict[str, str]) -> None:
        def colour(name: str, fallback: str) -> Style:
            return Style(color=variables.get(name, fallback))

        self.tones: dict[str, Style] = {
            "success": colour("text-success", "green"),
            "warning": colour("text-warning", "yellow"),
            "error": colour("text-error", "red"),
            "running": colour("text-primary", "blue"),
            "accent": colour("text-accent", "yellow"),
            "muted": Style(dim=True),
            "plain": Style(),
        }
        self.bars: dict[str, Style] = {
            "success": colour("success", "green"),
            "warning": colour("warning", "yellow"),
            "error": colour("error", "red"),
        }

    def tone(self, name: str) -> Style:
        return self.tones.get(name, self.tones["plain"])


def plain(text: str | None, *, style: Style | str = "") -> Text:
    """Job-produced (or any) text as a one-line cell: never markup, never control codes, and a
    tab or a line break is one space."""
    one_line = strip_control(text or "").replace("\t", " ").replace("\n", " ")
    return Text(one_line, style=style, no_wrap=True, overflow="ellipsis", end="")


def status_text(status: RunStatus | None, palette: Palette, *, word: bool = True) -> Text:
    if status is None:
        return plain("–", style=palette.tone("muted"))
    look = STATUS_LOOKS[status]
    label = f"{look.symbol} {look.word}" if word else look.symbol
    return plain(label, style=palette.tone(look.tone))


def trail_text(statuses: tuple[RunStatus, ...], palette: Palette, width: int = 10) -> Text:
    """The last outcomes as symbols, oldest first, newest on the right."""
    # Spans built directly: Text.append re-checks every symbol, and this runs for every job every second.
    symbols: list[str] = []
    spans: list[Span] = []
    start = 0
    for status in statuses[-width:]:
        look = STATUS_LOOKS[status]
        symbols.append(look.symbol)
        spans.append(Span(start, start + len(look.symbol), palette.tone(look.tone)))
        start += len(look.symbol)
    return Text("".join(symbols), spans=spans, no_wrap=True, overflow="ellipsis", end="")


format_duration = humanize.duration
format_elapsed = humanize.elapsed
format_timeout = humanize.limit


def format_countdown(when: datetime | None, now: datetime) -> str:
    """``in 3m 12s``; ``due`` once the time has come."""
    if when is None:
        return "–"
    seconds = (when - now).total_seconds()
    if seconds <= 0:
        return "due"
    return f"in {format_elapsed(seconds + 0.999)}"


def format_time(when: datetime | None, now: datetime) -> str:
    """A time in the clock's time zone: ``09:35:00`` today, ``Mon 08:00`` within a week, else the date."""
    if when is None:
        return "–"
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M:%S")
    if abs((local - now).total_seconds()) < 6 * 86400:
        return local.strftime("%a %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def format_timestamp(when: datetime | None, now: datetime) -> str:
    """A past time for history: ``09:12:03`` today, ``11-25 09:12`` this year, else the date."""
    if when is None:
        return "–"
    local = when.astimezone(now.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M:%S")
    if local.year == now.year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")


def format_full_time(when: datetime | None, now: datetime) -> str:
    """Date, time and zone, for the run detail."""
    if when is None:
        return "–"
    return when.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M:%S %Z")


def format_lines(added: int | None, processed: int | None) -> str:
    """``+12 / 340`` (added / processed)."""
    if added is None and processed is None:
        return ""
    left = "–" if added is None else f"+{added:,}"
    right = "–" if processed is None else f"{processed:,}"
    return f"{left} / {right}"


def bar_tone(fraction: float) -> str:
    """Normal below 75 % of the timeout, warning from 75 %, error from 90 %."""
    if fraction >= 0.9:
        return "error"
    if fraction >= 0.75:
        return "warning"
    return "success"


def timeout_bar(fraction: float, width: int, palette: Palette, *, over_by: float = 0.0) -> Text:
    """``███████░░░  70%``: elapsed over timeout, styled by how near the deadline is; past it,
    ``over by 12s`` (``over_by`` seconds) rather than a percentage over 100."""
    if fraction >= 1.0 and over_by > 0:
        return plain(f"over by {format_elapsed(over_by)}", style=palette.bars["error"] + Style(bold=True))
    clamped = min(max(fraction, 0.0), 1.0)
    filled = round(clamped * width)
    style = palette.bars[bar_tone(fraction)]
    text = Text(no_wrap=True, end="")
    text.append("█" * filled, style=style)
    text.append("░" * (width - filled), style=palette.tone("muted"))
    text.append(f" {min(int(fraction * 100), 100):>3d}%", style=style if fraction >= 0.75 else "")
    return text


def took_text(duration_ms: int | None, final: bool) -> str:
    """A run's Took cell: its duration; ``…`` while it runs (its elapsed time ticks in Running); ``–`` if unknown."""
    if duration_ms is not None:
        return format_duration(duration_ms / 1000)
    return "–" if final else "…"


def outcome_text(error_first_line: str, message: str | None, palette: Palette) -> Text:
    """A run's Error / message cell: the error's first line, else the message's, muted."""
    if error_first_line:
        return plain(error_first_line, style=palette.tone("error"))
    return plain((message or "").strip().split("\n")[0], style=palette.tone("muted"))

