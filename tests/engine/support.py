"""Helpers for engine tests: wait for run events instead of sleeping."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from jobconsole.engine.events import RunEvent, RunFinished, RunStarted
from jobconsole.notify.notice import FailureNotice
from jobconsole.runs import RunRecord


class EventLog:
    """Collects run events from a scheduler and lets a test wait for one."""

    def __init__(self) -> None:
        self._events: list[RunEvent] = []
        self._condition = threading.Condition()

    def __call__(self, event: RunEvent) -> None:
        with self._condition:
            self._events.append(event)
            self._condition.notify_all()

    def wait_for(self, predicate: Callable[[RunEvent], bool], timeout: float = 10.0) -> RunEvent:
        with self._condition:
            found: list[RunEvent] = []

            def ready() -> bool:
                found[:] = [e for e in self._events if predicate(e)]
                return bool(found)

            if not self._condition.wait_for(ready, timeout):
                raise AssertionError(f"no matching run event within {timeout} s; saw {self._events!r}")
            return found[0]

    def started(self, job: str, nth: int = 1, timeout: float = 10.0) -> RunRecord:
        return self._nth(RunStarted, job, nth, timeout)

    def started_records(self) -> list[RunRecord]:
        with self._condition:
            return [e.record for e in self._events if isinstance(e, RunStarted)]

    def finished(self, job: str, nth: int = 1, timeout: float = 10.0) -> RunRecord:
        return self._nth(RunFinished, job, nth, timeout)

    def _nth(self, kind: type, job: str, nth: int, timeout: float) -> RunRecord:
        with self._condition:
            def matching() -> list[RunRecord]:
                return [e.record for e in self._events if isinstance(e, kind) and e.record.job_name == job]

            if not self._condition.wait_for(lambda: len(matching()) >= nth, timeout):
                raise AssertionError(f"{kind.__name__} #{nth} of {job} not seen within {timeout} s")
            return matching()[nth - 1]


class NoticeBox:
    """A notifier that keeps what it is told."""

    def __init__(self) -> None:
        self.notices: queue.Queue[FailureNotice] = queue.Queue()

    def __call__(self, notice: FailureNotice) -> None:
        self.notices.put(notice)

    def get(self, timeout: float = 10.0) -> FailureNotice:
        return self.notices.get(timeout=timeout)
