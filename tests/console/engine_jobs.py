"""Jobs for the console's tests against the real engine. Module-level, so process runs can import them."""

from __future__ import annotations

from typing import Any


def wait_for_stop(stop_event: Any) -> None:
    """Runs until told to stop, as a well-behaved long job does."""
    stop_event.wait(120)
