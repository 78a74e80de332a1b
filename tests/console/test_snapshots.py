"""What the operator sees, pinned as SVG snapshots (pytest-textual-snapshot).

Deterministic by construction: the seeded scheduler, the frozen clock, fixed
terminal sizes, Textual pinned in pyproject.toml, no animation and no cursor
blink. After a deliberate change of the screens, look at the new pictures
before accepting them: ``pytest tests/console --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from textual.pilot import Pilot

from jobconsole.interface import EngineState, LiveRunView, LiveState
from jobconsole.console.history import HistoryTable
from jobconsole.console.running import RunningTable
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.runs import RunMode, RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import FROZEN_NOW, MARKUP_ERROR, SeededScheduler

Before = Callable[[Pilot], Awaitable[None]]


def after(*keys: str) -> Before:
    """Wait for the first history page, press ``keys``, and wait for what they started."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def open_run(run_id: int) -> Before:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        table = pilot.app.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(run_id)))
        await pilot.press("enter")
        await settle(pilot)

    return run


def open_job(name: str) -> Before:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        table = pilot.app.query_one(UpcomingTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(name))
        await pilot.press("enter")
        await settle(pilot)

    return run


def test_main_screen_80x24(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=after())


def test_main_screen_120x40(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(120, 40), run_before=after())


def test_running_bars_at_30_and_95_percent_and_stopping_states(
    snap_compare: Callable[..., bool], console: AppFactory
) -> None:
    """Bars at 30 % (normal) and 95 % (error), a run being stopped, and one timed out but still running."""

    async def focus_running(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.query_one(RunningTable).focus()
        await settle(pilot)

    app = console(SeededScheduler(extra_states=True))
    assert snap_compare(app, terminal_size=(100, 30), run_before=focus_running)


def test_run_detail_with_traceback(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    scheduler = SeededScheduler()
    failed = next(
        record
        for record in sorted(scheduler.records.values(), key=lambda record: -record.id)
        if record.status is RunStatus.FAILED and record.traceback and record.error_message != MARKUP_ERROR
    )
    assert snap_compare(console(scheduler), terminal_size=(80, 24), run_before=open_run(failed.id))


def test_run_whose_error_holds_markup_and_escape_sequences(
    snap_compare: Callable[..., bool], console: AppFactory
) -> None:
    """``[red]markup[/red]`` shows literally; ``\\x1b[2J`` and colour codes are stripped, never obeyed."""
    scheduler = SeededScheduler()
    marked = next(record for record in scheduler.records.values() if record.error_message == MARKUP_ERROR)
    assert snap_compare(console(scheduler), terminal_size=(100, 30), run_before=open_run(marked.id))


def test_help(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(120, 40), run_before=after("question_mark"))


def test_help_80x24(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=after("question_mark"))


def test_empty_state(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler(jobs=False, demo=False)), terminal_size=(80, 24), run_before=after())


def test_filtered_history(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    """Failures only, and only import_vendor_feed (typed as "import", completed to the one job it names)."""
    keys = ("f", "slash", *"import", "enter")
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=after(*keys))


def test_stop_asks_for_confirmation(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    async def ask(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.query_one(RunningTable).focus()
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=ask)


def test_database_unreachable_is_plain_in_the_header(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    scheduler = SeededScheduler()
    scheduler.store_ok = False
    scheduler.pending_records = 3
    assert snap_compare(console(scheduler), terminal_size=(80, 24), run_before=after())


def attached() -> SeededScheduler:
    """As a console attached to a headless scheduler sees it, with one job paused by an operator."""
    scheduler = SeededScheduler()
    scheduler.attached_to = "pid 4242 on app-1 since 09:12 UTC"
    scheduler.state = EngineState.RUNNING  # the headless scheduler it is attached to runs
    scheduler.pause("send_smart_alerts")
    return scheduler


def test_attached_header_and_a_paused_job(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(attached(), embedded=False), terminal_size=(80, 24), run_before=after())


def test_attached_read_only_at_120_columns(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    scheduler = attached()
    scheduler.read_only = True
    assert snap_compare(
        console(scheduler, embedded=False, read_only=True), terminal_size=(120, 30), run_before=after()
    )


def test_no_color(snap_compare: Callable[..., bool], console: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """With NO_COLOR every state still reads by its symbol and word."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=after())


# --- issue 12: History that follows, live detail, past-timeout runs ------------------------------


def new_runs(count: int, *keys: str) -> Before:
    """Press ``keys`` in History, then have ``count`` runs start and end, and refresh."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.query_one(HistoryTable).focus()
        for key in keys:
            await pilot.press(key)
        scheduler = pilot.app.scheduler
        assert isinstance(scheduler, SeededScheduler)
        for _ in range(count):
            scheduler.trigger_and_finish("import_vendor_feed")
        pilot.app.refresh_now()  # type: ignore[attr-defined]
        await settle(pilot)

    return run


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_history_following_new_runs(
    snap_compare: Callable[..., bool], console: AppFactory, size: tuple[int, int]
) -> None:
    """The cursor on the newest run: the newest runs are on top, selected."""
    assert snap_compare(console(SeededScheduler()), terminal_size=size, run_before=new_runs(4))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_history_held_with_newer_runs_counted(
    snap_compare: Callable[..., bool], console: AppFactory, size: tuple[int, int]
) -> None:
    """Moved off the newest run: the page holds still and a line counts what arrived above it."""
    run_before = new_runs(4, "down", "down")
    assert snap_compare(console(SeededScheduler()), terminal_size=size, run_before=run_before)


def past_timeout(scheduler: SeededScheduler, state: LiveState, next_step: str, in_seconds: int) -> LiveRunView:
    """Make the seeded process run 13 s past its timeout, in ``state``, with ``next_step`` due in ``in_seconds``."""
    run = next(run for run in scheduler.snapshot().running if run.run_mode is RunMode.PROCESS)
    timeout = run.deadline - run.started_at
    deadline = FROZEN_NOW - timedelta(seconds=13)
    late = replace(
        run,
        started_at=deadline - timeout,
        deadline=deadline,
        state=state,
        next_step=next_step,
        next_step_at=FROZEN_NOW + timedelta(seconds=in_seconds),
    )
    scheduler.active[run.run_id] = late
    scheduler.records[run.run_id] = replace(scheduler.records[run.run_id], started_at=late.started_at, deadline_at=deadline)
    return late


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_live_detail_of_a_run_past_its_timeout(
    snap_compare: Callable[..., bool], console: AppFactory, size: tuple[int, int]
) -> None:
    """A process run past its timeout, SIGTERM sent: what the engine does next and when, in the detail."""
    scheduler = SeededScheduler()
    overdue = past_timeout(scheduler, LiveState.TERMINATING, "SIGKILL", 4)

    async def open_live(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.open_detail(overdue.run_id)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(console(scheduler), terminal_size=size, run_before=open_live)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_running_pane_with_a_run_past_its_timeout(
    snap_compare: Callable[..., bool], console: AppFactory, size: tuple[int, int]
) -> None:
    """Over by how long, and the next signal and when, instead of a percentage over 100."""
    scheduler = SeededScheduler()
    past_timeout(scheduler, LiveState.OVERDUE, "SIGTERM", 7)
    assert snap_compare(console(scheduler), terminal_size=size, run_before=after("tab"))


def test_job_view_80x24(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    """A job with a run in progress: next runs, success rate, p50 / p95, the trend and its last runs."""
    assert snap_compare(console(SeededScheduler()), terminal_size=(80, 24), run_before=open_job("clean_up_embeddings"))


def test_job_view_120x40(snap_compare: Callable[..., bool], console: AppFactory) -> None:
    assert snap_compare(console(SeededScheduler()), terminal_size=(120, 40), run_before=open_job("flaky_report"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_run_detail_with_its_output(snap_compare: Callable[..., bool], console: AppFactory, size: tuple[int, int]) -> None:
    """A failed run: the error wrapped whole, then what it printed, cut in the middle."""
    scheduler = SeededScheduler()
    failed = scheduler.newest(failed=True)
    output = "\n".join(
        [
            "09:29:01 INFO scrape: fetching 200 pages from the parliament's site",
            *(f"09:29:{second:02d} INFO scrape: page {page}/200: 4 meetings" for page, second in zip(range(1, 4), range(2, 5))),
            "… 181,233 bytes cut …",
            "09:29:58 WARNING scrape: page 199/200 answered 502; retrying in 2s",
            "Traceback (most recent call last):",
            '  File "scrape.py", line 88, in fetch_page',
            "ConnectionResetError: [Errno 104] Connection reset by peer",
        ]
    )
    scheduler.records[failed.id] = replace(failed, output=output)

    async def open_it(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.open_detail(failed.id)  # type: ignore[attr-defined]
        await settle(pilot)
        pilot.app.screen.query_one("#detail-body").scroll_end(animate=False, immediate=True)
        await settle(pilot)

    assert snap_compare(console(scheduler), terminal_size=size, run_before=open_it)
