"""The run detail: every text of the run whole, and live while the run runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.console import Console
from textual.widgets import Static

from jobconsole.console.detail import RunDetailScreen
from jobconsole.console.running import RunningTable
from jobconsole.interface import LiveState
from jobconsole.runs import RunMode, RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import FROZEN_NOW, SeededScheduler
from .test_keys import select, wait_until

LONG_ERROR = (
    "ValueError: the partner feed answered 502 Bad Gateway three times in a row while importing "
    "batch 7 of 12, and the last answer's body was not JSON either\n"
    "second line: the message an operator needs, which used to be hidden below a three-line box"
)


async def test_the_error_is_shown_whole_and_wrapped_with_the_message(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    record = seeded.newest(failed=True)
    seeded.records[record.id] = replace(record, error_message=LONG_ERROR, message="kept 3 of 12 batches")
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_detail(record.id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        body = screen.body_text
        # Wrapped to the screen, nothing cut: every word of both lines is there, in order.
        assert " ".join(body.split()).find(" ".join(LONG_ERROR.split())) >= 0
        assert "Message\nkept 3 of 12 batches" in body
        assert screen.query_one("#detail-text").size.width <= 80


async def test_a_running_run_is_live_until_it_ends(console: AppFactory, seeded: SeededScheduler) -> None:
    run = seeded.snapshot().running[-1]
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(RunningTable), str(run.run_id))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        screen.live_seconds = 0.05
        assert "live" in str(screen.query_one("#detail-title").render())
        seeded.finish_run(run.run_id, RunStatus.FAILED, error="boom at the end")
        await wait_until(pilot, lambda: screen.record is not None and screen.record.status is RunStatus.FAILED)
        await settle(pilot)
        assert "live" not in str(screen.query_one("#detail-title").render())
        assert "Error\nboom at the end" in screen.body_text


async def test_a_run_past_its_timeout_says_what_the_engine_does_next_and_when(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    process = next(job for job in seeded.jobs if job.run_mode is RunMode.PROCESS)
    run = next(run for run in seeded.snapshot().running if run.job_name == process.name)
    seeded.active[run.run_id] = replace(
        run, state=LiveState.OVERDUE, next_step="SIGTERM", next_step_at=FROZEN_NOW + timedelta(seconds=8)
    )
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        state = app.query_one(RunningTable).get_cell(str(run.run_id), "state").plain
        assert state == "timed out · SIGTERM in 8s"
        app.open_detail(run.run_id)
        await settle(pilot)
        fields = app.screen.query_one("#detail-fields", Static).visual
        printer = Console(width=80, force_terminal=False)
        with printer.capture() as captured:
            printer.print(fields._renderable)  # type: ignore[union-attr]
        assert "State     timed out · SIGTERM in 8s" in captured.get()
