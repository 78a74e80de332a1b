"""Waiting for a Textual app to settle, for the tests and the screenshot script alike."""

from __future__ import annotations

from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot


async def settle(pilot: Pilot) -> None:
    """Wait until the app has handled its messages and every worker (history pages, commands) is done."""
    await pilot.pause()
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return


def terminal_keys(data: str) -> list[events.Key]:
    """The keys Textual makes of ``data`` arriving at once from the terminal (keys typed quickly).

    Read by Textual's own parser (textual._xterm_parser, private; written against 8.2.8, and
    tests/console/test_escape_keys.py checks that it still reads ESC q as alt+q). Ending the
    input stands for the escape delay passing after the last byte.
    """
    parser = XTermParser()
    return [token for token in (*parser.feed(data), *parser.feed("")) if isinstance(token, events.Key)]


async def type_quickly(pilot: Pilot, data: str) -> None:
    """Send ``data`` as a terminal does when the operator types it quickly, and let the app answer."""
    for key in terminal_keys(data):
        pilot.app.post_message(key)
        await pilot.pause()
