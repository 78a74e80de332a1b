"""Fixtures for the console's Pilot and snapshot tests.

Every app here runs on a frozen clock and seeded data. Its once-a-second timer
is pushed out of the way (tests call ``app.refresh_now()`` when they want the
refresh the timer would make), so what a test sees never depends on timing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from jobconsole.console import JobConsoleApp, make_app
from jobconsole.interface import SchedulerInterface

from .seeded import SeededScheduler, frozen_clock

AppFactory = Callable[..., JobConsoleApp]


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Snapshots are made in colour; a CI runner with NO_COLOR set must not change them.
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    # The header names the machine the console runs on: the same in every snapshot.
    monkeypatch.setattr("jobconsole.console.header.HOST", "ops-1")
    yield


@pytest.fixture
def seeded() -> SeededScheduler:
    return SeededScheduler()


@pytest.fixture
def console() -> AppFactory:
    """Build the console as the CLI does, on the frozen clock."""

    def build(scheduler: SchedulerInterface, **options: object) -> JobConsoleApp:
        options.setdefault("clock", frozen_clock)
        options.setdefault("refresh_seconds", 3600.0)
        return make_app(scheduler, **options)  # type: ignore[arg-type]

    return build


