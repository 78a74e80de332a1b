"""How times, durations and states read on screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from jobconsole.console.formatting import (
    Palette,
    bar_tone,
    format_countdown,
    format_duration,
    format_lines,
    format_time,
    format_timeout,
    live_state_words,
    plain,
    timeout_bar,
)
from jobconsole.console.header import short_database
from jobconsole.interface import LiveState

NOW = datetime(2026, 11, 26, 9, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.4, "400ms"),
        (0.0, "0ms"),
        (4.25, "4.2s"),
        (12, "12s"),
        (125, "2m 05s"),
        (3720, "1h 02m"),
        (192, "3m 12s"),
        (3600 * 2 + 300, "2h 05m"),
        (86400 * 3 + 3600 * 4, "3d 04h"),
        (None, "–"),
    ],
)
def test_durations(seconds: float | None, shown: str) -> None:
    assert format_duration(seconds) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.5, "500ms"), (1.5, "1.5s"), (3, "3s"), (900, "15m"), (90, "1m 30s"), (5400, "1h 30m"), (7200, "2h")]
)
def test_timeouts(seconds: float, shown: str) -> None:
    assert format_timeout(seconds) == shown


def test_countdown_reads_like_speech_and_says_due_once_passed() -> None:
    assert format_countdown(NOW + timedelta(minutes=3, seconds=12), NOW) == "in 3m 12s"
    assert format_countdown(NOW + timedelta(hours=17, minutes=30), NOW) == "in 17h 30m"
    assert format_countdown(NOW - timedelta(seconds=1), NOW) == "due"
    assert format_countdown(None, NOW) == "–"


def test_times_show_the_date_only_when_it_is_not_today() -> None:
    assert format_time(NOW + timedelta(minutes=5), NOW) == "09:35:00"
    assert format_time(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), NOW) == "Mon 08:00"
    assert format_time(datetime(2027, 1, 4, 8, 0, tzinfo=UTC), NOW) == "2027-01-04 08:00"


def test_times_are_shown_in_the_clocks_time_zone() -> None:
    paris = timezone(timedelta(hours=1))
    assert format_time(NOW + timedelta(minutes=5), NOW.astimezone(paris)) == "10:35:00"


def test_lines_added_and_processed() -> None:
    assert format_lines(12, 3400) == "+12 / 3,400"
    assert format_lines(None, 10) == "– / 10"
    assert format_lines(None, None) == ""


@pytest.mark.parametrize(
    ("fraction", "tone"),
    [(0.3, "success"), (0.749, "success"), (0.75, "warning"), (0.89, "warning"), (0.9, "error"), (1.2, "error")],
)
def test_the_timeout_bar_warns_as_the_deadline_nears(fraction: float, tone: str) -> None:
    assert bar_tone(fraction) == tone


def test_timeout_bar_fills_in_proportion_and_states_the_percentage() -> None:
    bar = timeout_bar(0.3, 10, Palette({})).plain
    assert bar == "███░░░░░░░  30%"
    assert timeout_bar(1.04, 10, Palette({}), over_by=12.4).plain == "over by 12s"


@pytest.mark.parametrize(
    ("state", "step", "in_seconds", "shown"),
    [
        (LiveState.RUNNING, None, None, "running"),
        (LiveState.OVERDUE, "SIGTERM", 7.2, "timed out · SIGTERM in 8s"),
        (LiveState.OVERDUE, None, None, "timed out · waiting for it to return"),
        (LiveState.STOPPING, "SIGTERM", 0.0, "stopping… · SIGTERM due"),
        (LiveState.TERMINATING, "SIGKILL", 3, "terminating · SIGKILL in 3s"),
        (LiveState.TERMINATING, None, None, "terminating"),
    ],
)
def test_a_run_being_ended_says_what_happens_next_and_when(
    state: LiveState, step: str | None, in_seconds: float | None, shown: str
) -> None:
    at = None if in_seconds is None else NOW + timedelta(seconds=in_seconds)
    assert live_state_words(state, step, at, NOW) == shown


def test_plain_cells_never_interpret_markup() -> None:
    cell = plain("[red]markup[/red]\x1b[2J")
    assert cell.plain == "[red]markup[/red]"
    assert cell.spans == []


def test_plain_cells_stay_on_one_line_with_tabs_and_line_breaks_as_spaces() -> None:
    assert plain("line 10:\tbad value\r\nnext").plain == "line 10: bad value next"


@pytest.mark.parametrize(
    ("label", "short"),
    [
        ("postgresql+psycopg2://jobs:***@db.internal:5432/jobs", "pg db.internal/jobs"),
        ("sqlite:///jobconsole.db", "sqlite jobconsole.db"),
        ("sqlite:////var/lib/jobs/runs.db", "sqlite runs.db"),
        ("sqlite://", "sqlite :memory:"),
    ],
)
def test_short_database_labels(label: str, short: str) -> None:
    assert short_database(label) == short
