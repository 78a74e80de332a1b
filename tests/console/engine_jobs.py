"""Jobs for the console's tests against the real engine. Module-level, so process runs can import them."""

from __future__ import annotations

import threading
from typing import Any

released = threading.Event()
"""Lets :func:`ignore_stop` end (thread runs only: a process run has its own copy)."""


def wait_for_stop(stop_event: Any) -> None:
    """Runs until told to stop, as a well-behaved long job does."""
    stop_event.wait(120)


def ignore_stop(stop_event: Any) -> None:
    """Keeps running after its stop_event is set, as a job that never checks it does."""
    released.wait(120)


def fail_with_bad_row(stop_event: Any) -> None:
    """Fails every time, as a job whose partner feed is down does."""
    raise ValueError("row 7 of the partner feed is malformed")
