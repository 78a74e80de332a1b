"""esc q typed quickly quits: the terminal sends ESC q, which Textual reads as alt+q."""

from __future__ import annotations

from textual import events

from jobconsole.console.escape_keys import split_escape
from jobconsole.console.help import HelpScreen

from .conftest import AppFactory
from .pilot import settle, terminal_keys, type_quickly
from .seeded import SeededScheduler


def test_the_terminal_s_esc_q_reaches_the_app_as_alt_q() -> None:
    """The cause, pinned: if Textual's parser changes, the fix and this test are looked at again."""
    assert [(key.key, key.character) for key in terminal_keys("\x1bq")] == [("alt+q", "q")]
    assert [key.key for key in terminal_keys("\x1bQ")] == ["alt+shift+q"]
    assert [key.key for key in terminal_keys("\x1b")] == ["escape"]


def test_an_alt_key_something_is_bound_to_stays_one_key() -> None:
    (alt_q,) = terminal_keys("\x1bq")
    assert split_escape(alt_q, {"alt+q"}) is None
    escape, q = split_escape(alt_q, set()) or ()
    assert (escape.key, q.key, q.character) == ("escape", "q", "q")
    (alt_shift_q,) = terminal_keys("\x1bQ")
    assert [key.key for key in split_escape(alt_shift_q, set()) or ()] == ["escape", "Q"]
    assert split_escape(events.Key("alt+up", None), set()) is None


async def test_esc_q_typed_quickly_on_the_main_screen_quits(console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    app = console(scheduler)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_quickly(pilot, "\x1bq")
        await settle(pilot)
        # Inside: leaving the test's app shuts the scheduler down whatever was typed.
        assert scheduler.shut_down.is_set()


async def test_esc_q_typed_quickly_in_the_help_closes_it_and_quits(console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    app = console(scheduler)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await type_quickly(pilot, "\x1bq")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
        assert scheduler.shut_down.is_set()
