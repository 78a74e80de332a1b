"""The once-a-second refresh gives way to the operator: a key's answer is drawn first."""

from __future__ import annotations

import pytest

from jobconsole.console import app as app_module

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_keys import wait_until


def count_refreshes(app: app_module.JobConsoleApp, monkeypatch: pytest.MonkeyPatch) -> list[None]:
    refreshes: list[None] = []
    refresh = app.refresh_now

    def counted() -> None:
        refreshes.append(None)
        refresh()

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


async def test_without_keys_the_refresh_comes_at_once(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        refreshes = count_refreshes(app, monkeypatch)
        app._refresh_tick()
        assert len(refreshes) == 1


async def test_keys_held_down_put_the_refresh_off_only_so_long(
    console: AppFactory, seeded: SeededScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        refreshes = count_refreshes(app, monkeypatch)
        monkeypatch.setattr(app_module, "REFRESH_AT_LEAST_EVERY", 0.0)  # as if the last refresh were long ago
        await pilot.press("down")
        app._refresh_tick()
        assert len(refreshes) == 1
