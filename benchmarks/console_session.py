"""The real ``jobconsole`` command under a 120x40 pseudo-terminal, driven like an operator over SSH."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.runner import MeasurementError, child_env, jobconsole_command
from benchmarks.terminal import PAGE_DOWN, PtySession, focus_pane, focused_pane, run_ids


@contextmanager
def console(jobs_module: str, database_url: str, cwd: Path, **env: str) -> Iterator[PtySession]:
    session = PtySession(
        [*jobconsole_command(), "--jobs", jobs_module, "--db", database_url], env=child_env(**env), cwd=str(cwd)
    )
    try:
        yield session
    finally:
        # "q", then "y"es if it asks because runs are in progress; SIGTERM if it lingers.
        for keys, wait in (("q", 3.0), ("y", 15.0)):
            try:
                session.send(keys)
            except OSError:
                break
            if session.wait_exit(wait):
                break
        session.close()


def wait_for_history(session: PtySession, newest_id: int, rows: int, timeout: float) -> float:
    """Wait until the ``rows`` runs after the newest are on screen; the monotonic time they were drawn.

    The newest row itself is left out: the console's Run column cuts #1000000 to "#10000…".
    """
    wanted = set(range(newest_id - rows, newest_id))
    drawn = session.wait_for(lambda text: wanted <= run_ids(text), timeout)
    if drawn is None:
        raise MeasurementError(
            f"the console did not show runs #{newest_id - rows}…#{newest_id - 1} within {timeout:g} s; "
            f"the screen: {screen_excerpt(session)}"
        )
    return drawn


def focus_history(session: PtySession) -> None:
    # A run table's footer offers "Detail"; the History pane may also hold its (hidden) filter input.
    if not focus_pane(session, "History", "Detail"):
        raise MeasurementError("could not move the focus to the History pane with tab")


def page_down(session: PtySession, timeout: float = 5.0) -> float:
    """Press page down in History; seconds until the screen shows the next, complete set of rows."""
    before = run_ids(session.text())

    def moved(text: str) -> bool:
        ids = run_ids(text)
        # The whole next block is drawn: as many rows as before, consecutive, all new.
        return bool(ids) and ids != before and len(ids) >= len(before) and max(ids) - min(ids) + 1 == len(ids)

    sent = session.send(PAGE_DOWN)
    drawn = session.wait_for(moved, timeout)
    if drawn is None:
        raise MeasurementError(
            f"page down changed nothing on screen within {timeout:g} s (focus: {focused_pane(session)}); "
            f"the screen: {screen_excerpt(session)}"
        )
    return max(drawn - sent, 0.0)


ECHO_PROGRAM = """
import os, tty
tty.setraw(0)
os.write(1, b"\\x1b[Hready")
answered = 0
while (key := os.read(0, 64)) and b"q" not in key:
    answered += 1
    os.write(1, b"\\x1b[Hanswer %06d" % answered)
"""
"""Answers each key the moment it arrives: one short line, drawn over the last."""


def terminal_round_trip(samples: int, timeout: float = 5.0) -> list[float]:
    """Milliseconds from a key sent to its answer seen, for a program that answers at once (:data:`ECHO_PROGRAM`):
    what this machine's pseudo-terminals (and this harness) add to every key the console answers."""
    session = PtySession([sys.executable, "-c", ECHO_PROGRAM], columns=40, lines=4)
    try:
        if session.wait_for(lambda text: "ready" in text, timeout) is None:
            raise MeasurementError(f"the echo program did not start: {screen_excerpt(session)}")
        times = []
        for answered in range(1, samples + 1):
            sent = session.send("x")
            seen = session.wait_for(lambda text, n=answered: f"answer {n:06d}" in text, timeout)
            if seen is None:
                raise MeasurementError(f"the echo program did not answer key {answered}: {screen_excerpt(session)}")
            times.append(max(seen - sent, 0.0) * 1000)
            time.sleep(0.05)
        return times
    finally:
        session.send("q")
        session.close()


def settle(seconds: float) -> None:
    time.sleep(seconds)


def screen_excerpt(session: PtySession) -> str:
    """The non-blank lines on screen, joined, for an error message."""
    return " / ".join(line.strip() for line in session.text().splitlines() if line.strip())[:1500]
