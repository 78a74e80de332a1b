"""Each key's effect on the scheduler and on the screen, against the seeded scheduler."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from jobconsole.console.confirm import ConfirmModal
from jobconsole.console.detail import RunDetailScreen
from jobconsole.console.help import HelpScreen
from jobconsole.console.formatting import STATUS_LOOKS
from jobconsole.console.history import STATUS_CHOICES, HistoryPane, HistoryTable
from jobconsole.console.main_screen import MainScreen
from jobconsole.console.running import RunningTable
from jobconsole.console.upcoming import UpcomingTable
from jobconsole.interface import StoreUnavailableError
from jobconsole.runs import PageDirection, RunRecord, RunStatus

from .conftest import AppFactory
from .pilot import settle
from .seeded import MARKUP_ERROR, SeededScheduler


def notifications(pilot: Pilot) -> list[tuple[str, str]]:
    """(severity, message) of every notification shown so far, oldest first."""
    # Textual keeps them on the app; there is no public accessor.
    return [(note.severity, note.message) for note in pilot.app._notifications]


def ordinary_failure(seeded: SeededScheduler) -> RunRecord:
    """The newest failed run with a traceback and an everyday error."""
    return next(
        record
        for record in sorted(seeded.records.values(), key=lambda record: -record.id)
        if record.status is RunStatus.FAILED and record.traceback and record.error_message != MARKUP_ERROR
    )


def select(table: UpcomingTable | RunningTable | HistoryTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key))


def history_rows(pilot: Pilot) -> list[str]:
    table = pilot.app.query_one(HistoryTable)
    return [row.key.value for row in table.ordered_rows]


# --- tab: panes ------------------------------------------------------------------------------


async def test_tab_walks_the_panes_in_order_and_wraps(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seen = [type(app.focused)]
        for _ in range(3):
            await pilot.press("tab")
            seen.append(type(app.focused))
        assert seen == [UpcomingTable, RunningTable, HistoryTable, UpcomingTable]


async def test_a_pane_chosen_before_the_first_snapshot_keeps_the_focus(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    seeded.snapshot_error = RuntimeError("scheduler not reachable yet")
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "tab")
        assert isinstance(app.focused, HistoryTable)
        seeded.snapshot_error = None
        app.refresh_now()
        await settle(pilot)
        assert app.query_one("#upcoming UpcomingTable", UpcomingTable).row_count == len(seeded.jobs)
        assert isinstance(app.focused, HistoryTable)


# --- t: trigger -------------------------------------------------------------------------------


async def test_t_triggers_the_selected_job_and_the_run_appears(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(UpcomingTable), "import_vendor_feed")
        await pilot.press("t")
        await settle(pilot)
        assert seeded.triggered == ["import_vendor_feed"]
        run_id = seeded.newest().id
        assert ("information", f"started import_vendor_feed as run #{run_id}") in notifications(pilot)
        assert str(run_id) in app.query_one(RunningTable).rows
        assert history_rows(pilot)[0] == str(run_id)


async def test_t_on_a_running_job_says_why_nothing_started(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(UpcomingTable), "scrape_mep_meetings")
        await pilot.press("t")
        await settle(pilot)
        running = seeded.snapshot().running
        run_id = next(run.run_id for run in running if run.job_name == "scrape_mep_meetings")
        assert notifications(pilot)[-1] == (
            "warning",
            f"scrape_mep_meetings is already running (run #{run_id}); a job never runs twice at once",
        )
        assert len(seeded.snapshot().running) == len(running)


async def test_t_in_history_triggers_the_job_of_the_selected_run(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        send_runs = [record for record in seeded.records.values() if record.job_name == "send_weekly_newsletter"]
        select(app.query_one(HistoryTable), str(max(send_runs, key=lambda record: record.id).id))
        await pilot.press("t")
        await settle(pilot)
        assert seeded.triggered == ["send_weekly_newsletter"]


# --- s: stop ----------------------------------------------------------------------------------


async def test_s_asks_first_and_stops_the_selected_run_only_on_yes(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    run = seeded.snapshot().running[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(RunningTable), str(run.run_id))
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and seeded.stopped == []
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert seeded.stopped == [run.run_id]
        assert ("information", f"stopping run #{run.run_id} ({run.job_name})") in notifications(pilot)
        state = app.query_one(RunningTable).get_cell(str(run.run_id), "state")
        # The seeded scheduler sends no signal: all there is to do is wait for the run to return.
        assert state.plain == "stopping… · waiting for it to return"


async def test_s_on_a_finished_run_says_it_already_ended(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    done = next(
        record
        for record in sorted(seeded.records.values(), key=lambda r: -r.id)
        if record.status is RunStatus.SUCCEEDED
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(HistoryTable), str(done.id))
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert notifications(pilot)[-1] == ("warning", f"Run #{done.id} already ended (succeeded): nothing to stop.")
        assert seeded.stopped == []


async def test_actions_without_a_selection_say_what_to_do(console: AppFactory) -> None:
    app = console(SeededScheduler(jobs=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.query_one(HistoryTable).focus()
        await pilot.press("enter", "s", "t")
        await settle(pilot)
        assert [message for _, message in notifications(pilot)] == [
            "No run selected: move to a run first.",
            "No run selected: move to a running run first.",
            "No job selected: choose one in Upcoming (or a run of it) first.",
        ]


# --- enter, c, esc: run detail ----------------------------------------------------------------


async def test_enter_opens_the_run_with_its_traceback_and_c_copies_it(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    failed = ordinary_failure(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(HistoryTable), str(failed.id))
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunDetailScreen) and screen.run_id == failed.id
        assert failed.traceback.rstrip("\n") in screen.body_text
        await pilot.press("c")
        assert app.clipboard == failed.traceback.rstrip("\n")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_enter_in_running_opens_the_run_in_progress(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    run = seeded.snapshot().running[-1]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(RunningTable), str(run.run_id))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen) and app.screen.run_id == run.run_id
        assert app.screen.record is not None and app.screen.record.status is RunStatus.RUNNING


async def test_job_text_is_shown_literally_never_as_markup_or_escapes(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    marked = next(record for record in seeded.records.values() if record.error_message == MARKUP_ERROR)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        cell = app.query_one(HistoryTable).get_cell(str(marked.id), "error")
        assert cell.plain.startswith("Feed rejected: [red]markup[/red] must stay literal and this is not red")
        assert "\x1b" not in cell.plain and cell.spans == []
        select(app.query_one(HistoryTable), str(marked.id))
        await pilot.press("enter")
        await settle(pilot)
        body = app.screen.body_text
        assert "\nFeedError: Feed rejected: [red]markup[/red] must stay literal and this is not red\n" in body
        assert "\x1b" not in body


async def test_a_detail_that_cannot_be_read_is_a_notification_and_a_retry(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded, retry_seconds=0.05)
    run = seeded.newest(failed=True)
    seeded.detail_error = StoreUnavailableError("database is locked")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(HistoryTable), str(run.id))
        await pilot.press("enter")
        await settle(pilot)
        assert notifications(pilot)[-1] == (
            "error",
            f"Run #{run.id} cannot be read: database is locked. Retrying every 0.05 s.",
        )
        seeded.detail_error = None
        screen = app.screen
        assert isinstance(screen, RunDetailScreen)
        await wait_until(pilot, lambda: screen.record is not None)
        assert screen.record.id == run.id


# --- f and /: filters -------------------------------------------------------------------------


async def test_f_cycles_through_every_status_and_back_to_everything(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        everything = history_rows(pilot)
        pane = app.query_one(HistoryPane)
        await pilot.press("f")
        await settle(pilot)
        failures = history_rows(pilot)
        assert failures and all(seeded.records[int(key)].success is False for key in failures)
        assert str(pane.border_title) == "History · failures"
        seen: set[RunStatus] = set()
        for _ in STATUS_CHOICES[2:]:
            await pilot.press("f")
            await settle(pilot)
            wanted = seeded.history_calls[-1].statuses
            assert len(wanted) == 1
            rows = history_rows(pilot)
            assert all(seeded.records[int(key)].status is wanted[0] for key in rows)
            assert str(pane.border_title) == f"History · {STATUS_LOOKS[wanted[0]].word}"
            seen.add(wanted[0])
        assert seen == set(RunStatus)
        await pilot.press("f")
        await settle(pilot)
        assert history_rows(pilot) == everything and str(pane.border_title) == "History"
        await pilot.press("F")
        await settle(pilot)
        assert seeded.history_calls[-1].statuses == (RunStatus.MISSED,)


async def test_slash_filters_history_by_job_name(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"SEND", "enter")
        await settle(pilot)
        rows = history_rows(pilot)
        reports = {job.name for job in seeded.jobs if "send" in job.name}
        assert len(reports) > 1, "the seeded jobs must have several names that contain the text"
        assert rows and {seeded.records[int(key)].job_name for key in rows} == reports
        assert seeded.history_calls[-1].job_contains == "SEND"
        assert str(app.query_one(HistoryPane).border_title) == "History · job *SEND*"
        await pilot.press("slash", "ctrl+u", "enter")
        await settle(pilot)
        assert seeded.history_calls[-1].job_name is None
        assert len({seeded.records[int(key)].job_name for key in history_rows(pilot)}) > 1


async def test_escape_closes_the_filter_without_changing_it(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        calls = len(seeded.history_calls)
        await pilot.press("slash", "x", "escape")
        await settle(pilot)
        assert len(seeded.history_calls) == calls
        assert not app.query_one("#history-filter").display


# --- paging and refresh -----------------------------------------------------------------------


async def test_end_home_and_page_keys_move_by_keyset_pages(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded, page_size=40)
    newest_first = [str(record.id) for record in sorted(seeded.records.values(), key=lambda record: -record.id)]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(HistoryTable)
        table.focus()
        await pilot.press("end")
        await settle(pilot)
        assert history_rows(pilot)[-1] == "1" and table.cursor_row == table.row_count - 1
        await pilot.press("home")
        await settle(pilot)
        assert history_rows(pilot) == newest_first[:40] and table.cursor_row == 0
        await pilot.press("pagedown")
        assert history_rows(pilot) == newest_first[:40] and table.cursor_row > 0  # a screenful within the page
        for _ in range(10):
            await pilot.press("pagedown")
            await settle(pilot)
            if history_rows(pilot) != newest_first[:40]:
                break
        assert history_rows(pilot) == newest_first[40:80] and table.selected_key == newest_first[40]
        await pilot.press("up")
        await settle(pilot)
        assert history_rows(pilot) == newest_first[:40] and table.selected_key == newest_first[39]
        assert all(query.limit == 40 for query in seeded.history_calls)


async def test_the_pages_next_to_the_shown_one_are_fetched_ahead_and_no_more(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded, page_size=20)
    newest_first = [record.id for record in sorted(seeded.records.values(), key=lambda record: -record.id)]
    assert len(newest_first) > 3 * 20, "the seeded history must span several pages"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(HistoryTable)
        table.focus()
        await pilot.press(*["down"] * 19)  # to the last row of the newest page
        assert table.selected_key == str(newest_first[19])
        seeded.history_calls.clear()
        await pilot.press("down")
        # Shown without asking the database for it: it was fetched ahead. Only the page after
        # it is fetched ahead now; the one before is the page just left.
        assert [int(key) for key in history_rows(pilot)] == newest_first[20:40]
        await settle(pilot)
        assert [(query.direction, query.anchor_id) for query in seeded.history_calls] == [
            (PageDirection.OLDER, newest_first[39])
        ]
        await pilot.press("up")
        assert [int(key) for key in history_rows(pilot)] == newest_first[:20]
        assert table.selected_key == str(newest_first[19])
        await settle(pilot)
        assert all(query.limit == 20 for query in seeded.history_calls)


async def test_history_follows_new_runs_while_the_cursor_is_on_the_newest(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded, page_size=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(HistoryTable)
        table.focus()
        # More new runs than a page holds, a few at a time, as a busy scheduler makes them.
        for _ in range(8):
            for _ in range(4):
                seeded.trigger_and_finish("import_vendor_feed")
            app.refresh_now()
            await settle(pilot)
            assert history_rows(pilot)[0] == str(seeded.newest().id)
            assert table.cursor_row == 0 and table.scroll_y == 0
        assert not app.query_one("#history-newer").display


async def test_moving_in_history_holds_the_page_and_counts_the_newer_runs(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(HistoryTable)
        table.focus()
        await pilot.press("down", "down", "down")
        shown, chosen = history_rows(pilot), table.selected_key
        for count in (1, 2, 3):
            seeded.trigger_and_finish("import_vendor_feed")
            app.refresh_now()
            await settle(pilot)
            # Nothing moves under the operator: the same rows, the same run under the cursor.
            assert history_rows(pilot) == shown
            assert table.selected_key == chosen and table.cursor_row == 3
            marker = app.query_one("#history-newer", Static)
            assert marker.display
            runs = "run" if count == 1 else "runs"
            assert str(marker.render()) == f"▲ {count} newer {runs} above · home: show the newest"
        await pilot.press("home")
        await settle(pilot)
        assert history_rows(pilot)[0] == str(seeded.newest().id) and table.cursor_row == 0
        assert not app.query_one("#history-newer").display


async def test_a_finished_run_leaves_running_and_updates_in_history(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    run = seeded.snapshot().running[-1]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        seeded.finish_run(run.run_id, RunStatus.FAILED, error="boom")
        app.refresh_now()
        await settle(pilot)
        assert str(run.run_id) not in app.query_one(RunningTable).rows
        history = app.query_one(HistoryTable)
        assert history.get_cell(str(run.run_id), "status").plain == "✗ failed"
        assert history.get_cell(str(run.run_id), "error").plain == "boom"


async def test_a_history_error_is_a_notification_then_a_retry(console: AppFactory, seeded: SeededScheduler) -> None:
    seeded.history_error = StoreUnavailableError("database is locked")
    app = console(seeded, retry_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert ("error", "History unavailable: database is locked. Retrying every 0.05 s.") in notifications(pilot)
        assert history_rows(pilot) == []
        seeded.history_error = None
        await wait_until(pilot, lambda: bool(history_rows(pilot)))
        assert history_rows(pilot)[0] == str(seeded.newest().id)
        assert notifications(pilot)[-1] == ("information", "History is readable again.")


# --- help, palette, quit ----------------------------------------------------------------------


async def test_question_mark_lists_every_key_and_closes_again(console: AppFactory, seeded: SeededScheduler) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        groups = app.key_groups()
        assert len(app.screen.query(".help-group")) == len(groups) + 1  # and the symbol legend
        described = {binding.description for _, bindings in groups for binding in bindings if not binding.system}
        for text in (
            "Trigger",
            "Stop",
            "Detail",
            "Status",
            "Filter",
            "Next pane",
            "Help",
            "Quit",
            "Copy traceback",
            "Newest",
            "Oldest",
        ):
            assert text in described
        await pilot.press("question_mark")
        assert isinstance(app.screen, MainScreen)


async def test_the_command_palette_offers_the_keys_of_the_focused_pane(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.query_one(HistoryTable).focus()
        await pilot.pause()
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Trigger", "Stop", "Detail", "Status", "Filter", "Next pane", "Help", "Quit"} <= set(commands)
        await commands["Status"].callback()
        await settle(pilot)
        assert seeded.history_calls[-1].failures_only


async def test_q_with_runs_in_progress_asks_then_shuts_the_scheduler_down(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded)
    running = [run.run_id for run in seeded.snapshot().running]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert seeded.started.is_set()
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert not seeded.shut_down.is_set()
        await pilot.press("y")
        await settle(pilot)
    assert seeded.shut_down.is_set()
    assert running and all(seeded.records[run_id].status is RunStatus.STOPPED for run_id in running)


async def test_q_without_runs_shuts_down_at_once(console: AppFactory) -> None:
    scheduler = SeededScheduler(running_fractions=())
    app = console(scheduler)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert scheduler.shut_down.is_set()


async def test_a_console_on_a_scheduler_it_does_not_embed_neither_starts_nor_stops_it(
    console: AppFactory, seeded: SeededScheduler
) -> None:
    app = console(seeded, embedded=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert not seeded.started.is_set() and not seeded.shut_down.is_set()


async def wait_until(pilot: Pilot, condition: object, timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds: for behaviour driven by the app's own timers."""
    loops = int(timeout / 0.02)
    for _ in range(loops):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met in time")
