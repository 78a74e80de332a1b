from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jobconsole.engine import JobScheduler
from jobconsole.store import RunStore, open_store
from tests.engine.support import EventLog, NoticeBox


@pytest.fixture
def store(database_url: str) -> Iterator[RunStore]:
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@pytest.fixture
def notices() -> NoticeBox:
    return NoticeBox()


@pytest.fixture
def make_scheduler(store: RunStore, events: EventLog, notices: NoticeBox) -> Iterator[Callable[..., JobScheduler]]:
    """Build schedulers on the test's store; every one is shut down after the test."""
    made: list[JobScheduler] = []

    def build(**options: Any) -> JobScheduler:
        options.setdefault("grace_seconds", 0.5)
        options.setdefault("kill_after_seconds", 0.5)
        scheduler = JobScheduler(store, notifiers=[notices], **options)
        scheduler.add_listener(events)
        made.append(scheduler)
        return scheduler

    yield build
    for scheduler in made:
        scheduler.shutdown(grace_seconds=0.5)
