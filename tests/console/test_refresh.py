"""The once-a-second refresh gives way to the operator: a key's answer is drawn first."""

from __future__ import annotations

import pytest

from jobconsole.console import app as app_module
from jobconsole.interface import EngineSnapshot

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_keys import wait_until


def count_refreshes(app: app_module.JobConsoleApp, monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """A list that grows by one at each refresh of ``app``."""
    refreshes: list[None] = []
    refresh = app.refresh_now

    def counted() -> EngineSnapshot | None:
        refreshes.append(None)
        return refresh()

    monkeypatch.setattr(app, "refresh_now", counted)
    return refreshes


async def test_the_refresh_due_just_after_a_key_waits_for_the_answer_then_comes(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        refreshes = count_refreshes(app, monkeypatch)
        await pilot.press("down")
        app._refresh_tick()  # the interval's turn comes right after the key
        app._refresh_tick()  # and once more: still one refresh on its way, not two
        assert refreshes == []
        await wait_until(pilot, lambda: refreshes)
        await pilot.pause(app_module.ANSWER_FIRST_SECONDS)
        assert len(refreshes) == 1


@pytest.mark.parametrize("keys_held_down", [False, True], ids=["no key", "keys held down long"])
async def test_without_a_key_just_now_or_after_keys_held_long_the_refresh_comes_at_once(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch, keys_held_down: bool
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        refreshes = count_refreshes(app, monkeypatch)
        if keys_held_down:
            monkeypatch.setattr(app_module, "REFRESH_AT_LEAST_EVERY", 0.0)  # as if the last refresh were long ago
            await pilot.press("down")
        app._refresh_tick()
        assert len(refreshes) == 1
