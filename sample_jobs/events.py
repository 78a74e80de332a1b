"""The stop_event a job receives: a ``threading.Event`` or a ``multiprocessing`` one."""

from __future__ import annotations

from typing import Protocol


class StopEvent(Protocol):
    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...
