"""The console's process collects garbage when the operator pauses, not while keys are being answered."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from jobconsole.console.gc_pacer import IdleCollector

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def collected() -> list[int]:
    return []


@pytest.fixture
def collector(clock: Clock, collected: list[int]) -> Iterator[IdleCollector]:
    def collect(generation: int) -> int:
        collected.append(generation)
        return 0

    idle = IdleCollector(quiet_seconds=1.0, full_every_seconds=10.0, max_defer_seconds=5.0, clock=clock, collect=collect)
    was_enabled = gc.isenabled()
    idle.start()
    yield idle
    idle.stop()
    assert gc.isenabled() == was_enabled


def test_it_takes_over_from_automatic_collection_until_stopped(collector: IdleCollector) -> None:
    assert not gc.isenabled()
    collector.stop()
    assert gc.isenabled()


def test_no_collection_while_keys_come_then_one_once_they_pause(
    collector: IdleCollector, clock: Clock, collected: list[int]
) -> None:
    for _ in range(8):
        clock.now += 0.4
        collector.note_input()
        assert collector.tick() is None
    clock.now += 1.0
    assert collector.tick() == 1
    assert collected == [1]


def test_keys_held_down_still_get_a_collection_every_few_seconds(
    collector: IdleCollector, clock: Clock, collected: list[int]
) -> None:
    ticks = []
    for _ in range(12):
        clock.now += 0.5
        collector.note_input()
        ticks.append(collector.tick())
    # 6 s of keys every half second: one collection, at the 5 s mark.
    assert [index for index, tick in enumerate(ticks) if tick is not None] == [9]
    assert collected == [1]


def test_a_full_collection_every_so_often_and_young_ones_in_between(
    collector: IdleCollector, clock: Clock, collected: list[int]
) -> None:
    for _ in range(12):
        clock.now += 1.0
        collector.tick()
    assert collected == [1] * 9 + [2] + [1] * 2


async def test_the_console_counts_keys_as_input_and_collects_on_its_refresh(
    console: AppFactory, seeded: SeededScheduler, collector: IdleCollector, clock: Clock, collected: list[int]
) -> None:
    app = console(seeded, collector=collector)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        clock.now += 3.0
        await pilot.press("down")
        app.refresh_now()
        assert collected == []
        clock.now += 1.0
        app.refresh_now()
        assert collected == [1]
