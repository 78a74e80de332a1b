"""Signals that end the console from outside: SIGTERM (``kill``, a service manager) and SIGHUP
(the SSH session or the terminal went away).

Either one shuts the embedded scheduler down as a confirmed quit does: dispatching stops, runs are
stopped and recorded ``stopped``, and every record is written before the process exits. Left to
their default action, both signals end the process at once and leave its runs for the next
scheduler to find ``abandoned``.

After SIGHUP there is no terminal to draw on or to restore, and writing to it fails (EIO): the
thread that draws the screen dies, and the app's next frames block its event loop for good. So the
hang-up path does not go through the app: standard output and error go to /dev/null, a thread of
its own shuts the scheduler down, and the process ends.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("jobconsole")


def install_stop_signals(on_terminate: Callable[[], None], on_hangup: Callable[[], int]) -> Callable[[], None]:
    """From now on, SIGTERM calls ``on_terminate`` on the running event loop; SIGHUP calls
    ``on_hangup`` in a thread of its own, then ends the process with the exit code it returns.

    Returns the undo, which puts the previous handlers back.
    """
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, on_terminate)
    hangup = _HangupExit(on_hangup)
    previous = signal.signal(signal.SIGHUP, hangup.on_signal)

    def uninstall() -> None:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGHUP, previous)
        hangup.cancel()

    return uninstall


class _HangupExit:
    """A thread started beforehand that waits for SIGHUP, so the signal handler only sets an event."""

    def __init__(self, on_hangup: Callable[[], int]) -> None:
        self._on_hangup = on_hangup
        self._signalled = threading.Event()
        self._cancelled = False
        threading.Thread(target=self._wait, name="jobconsole-hangup", daemon=True).start()

    def on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        detach_from_terminal()
        self._signalled.set()

    def cancel(self) -> None:
        self._cancelled = True
        self._signalled.set()

    def _wait(self) -> None:
        self._signalled.wait()
        if self._cancelled:
            return
        log.info("received SIGHUP (the terminal is gone); shutting down")
        code = 1
        try:
            code = self._on_hangup()
        except Exception:
            log.exception("the scheduler did not shut down cleanly after SIGHUP")
        finally:
            logging.shutdown()
            os._exit(code)


def detach_from_terminal() -> None:
    """Send standard output and error to /dev/null: the terminal hung up and writing to it fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(devnull, fd)
    finally:
        os.close(devnull)
