"""The History pane: run history, newest first, one keyset page at a time.

The pane never holds more than one page (``page_size`` rows). Pages come from
``scheduler.history`` in a thread worker; moving past either end of the page,
or pressing ``home``/``end``/``pageup``/``pagedown`` there, shows the page
next to the known ids, so a table of a million rows opens as fast as one of
ten. Once a page is shown, its neighbours (the next older and newer pages, and
no more) are fetched ahead in a thread worker, so that crossing into one never
waits for the database. When runs start or end (the snapshot's revision), and
again once the engine has written its records, the current page is asked for
again and merged in place: new runs appear at the top, the selection stays on
its run; the neighbours are then fetched again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from jobconsole.console.attempts import JobAttempts
from jobconsole.console.formatting import (
    STATUS_LOOKS,
    Palette,
    format_lines,
    format_timestamp,
    outcome_text,
    plain,
    status_text,
    took_text,
)
from jobconsole.console.job_stats import duration_cell, stats_version
from jobconsole.console.panes import EmptyState
from jobconsole.console.run_table import RunRef, RunTable
from jobconsole.console.sanitize import strip_control
from jobconsole.console.sync_table import ColumnSpec, PageAhead
from jobconsole.console.workers import deliver
from jobconsole.interface import SchedulerInterface
from jobconsole.runs import (
    HistoryPage,
    HistoryQuery,
    PageDirection,
    RunRecord,
    RunStatus,
)

CursorAim = Literal["keep", "first", "last", "follow"]
"""Where the cursor goes on a page that arrives: stays on its run, the first or last row, or
(``follow``) the first row if it was there when the page was asked for (see HistoryPane.following)."""

PAGE_SIZE = 50
"""Rows per history page: about three screenfuls of a 40-line terminal. Crossing into the
next page replaces every row, so a smaller page makes that press cheaper; the keys within
a page never touch the database."""

OPPOSITE = {PageDirection.OLDER: PageDirection.NEWER, PageDirection.NEWER: PageDirection.OLDER}


@dataclass(frozen=True)
class StatusChoice:
    """One step of the status filter (``f`` goes to the next)."""

    label: str
    statuses: tuple[RunStatus, ...] = ()
    failures_only: bool = False


STATUS_CHOICES: tuple[StatusChoice, ...] = (
    StatusChoice("all"),
    StatusChoice("failures", failures_only=True),
    *(
        StatusChoice(STATUS_LOOKS[status].word, (status,))
        for status in (
            RunStatus.RUNNING,
            RunStatus.SUCCEEDED,
            RunStatus.FAILED,
            RunStatus.TIMED_OUT,
            RunStatus.ABANDONED,
            RunStatus.STOPPED,
            RunStatus.SKIPPED,
            RunStatus.MISSED,
        )
    ),
)


class HistoryTable(RunTable):
    COLUMNS = (
        ColumnSpec("status", "Status", 11, wide_width=12),
        ColumnSpec("run", "Run", 8, wide_width=9),
        ColumnSpec("job", "Job", 16, wide_width=22, small_width=12),
        ColumnSpec("started", "Started", 11),
        ColumnSpec("duration", "Took", 7),
        ColumnSpec("lines", "Added / seen", 13, wide_only=True),
        ColumnSpec("error", "Error / message", 10, flex=True, from_width=72),
    )
    BINDINGS = [
        Binding("home", "newest", "Newest", id="history_newest", show=False, tooltip="Newest runs"),
        Binding("end", "oldest", "Oldest", id="history_oldest", show=False, tooltip="Oldest runs"),
        Binding(
            "pageup", "page_newer", "Page up", id="history_page_up", show=False, tooltip="Newer runs, a page at a time"
        ),
        Binding(
            "pagedown",
            "page_older",
            "Page down",
            id="history_page_down",
            show=False,
            tooltip="Older runs, a page at a time",
        ),
        # Re-declared so that moving past either end of the page loads the next one.
        Binding("up", "cursor_up", "Up", id="history_up", show=False, system=True, tooltip="Previous run"),
        Binding("down", "cursor_down", "Down", id="history_down", show=False, system=True, tooltip="Next run"),
    ]

    class PageRequested(Message):
        """The operator moved past the loaded page, or asked for the newest or oldest runs."""

        def __init__(self, direction: PageDirection, aim: CursorAim, *, fallback_row: int | None = None) -> None:
            super().__init__()
            self.direction = direction
            self.aim = aim
            self.fallback_row = fallback_row
            """Where the cursor goes when there is no such page (None: stay)."""

    def action_newest(self) -> None:
        self.post_message(self.PageRequested(PageDirection.NEWEST, "first"))

    def action_oldest(self) -> None:
        self.post_message(self.PageRequested(PageDirection.OLDEST, "last"))

    def action_page_older(self) -> None:
        if self.cursor_row + self._visible_rows() < self.row_count - 1:
            super().action_page_down()
        else:
            self.post_message(self.PageRequested(PageDirection.OLDER, "first", fallback_row=-1))

    def action_page_newer(self) -> None:
        if self.cursor_row - self._visible_rows() > 0:
            super().action_page_up()
        else:
            self.post_message(self.PageRequested(PageDirection.NEWER, "last", fallback_row=0))

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row == self.row_count - 1:
            self.post_message(self.PageRequested(PageDirection.OLDER, "first"))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row == 0:
            self.post_message(self.PageRequested(PageDirection.NEWER, "last"))
        else:
            super().action_cursor_up()

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)


class HistoryFilter(Input):
    """Where the operator types a job name to filter the history by."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filter_cancel", tooltip="Close the filter unchanged"),
    ]

    class Cancelled(Message):
        pass

    def on_mount(self) -> None:
        # A blinking cursor repaints twice a second; the console stays still unless data changes.
        self.cursor_blink = False

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class HistoryPane(Vertical):
    """Run history with its filters and its place in the table."""

    BORDER_TITLE = "History"

    def __init__(
        self,
        scheduler: SchedulerInterface,
        *,
        page_size: int = PAGE_SIZE,
        retry_seconds: float = 5.0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._scheduler = scheduler
        self._attempts = JobAttempts(scheduler)
        self.page_size = page_size
        self.retry_seconds = retry_seconds
        self.status_choice = STATUS_CHOICES[0]
        self.job_filter: str | None = None
        """Part of a job name: only runs of jobs whose name contains it (any case)."""
        self.page: HistoryPage | None = None
        self._neighbours: dict[PageDirection, HistoryPage] = {}
        """The pages next to ``page``, fetched ahead (only ever those two)."""
        self._freshness: tuple[int, bool] = (0, True)
        """The snapshot's (revision, all records written) the page on show is as fresh as. The page
        asked for on mount is as fresh as a scheduler that has not yet started or run anything."""
        self._token = 0
        self._request: tuple[HistoryQuery, CursorAim, int | None] | None = None
        self.failing = False
        self._job_names: tuple[str, ...] = ()
        self._now: datetime | None = None
        self._palette = Palette({})
        self._rendered_for: tuple[object, ...] = ()
        self._row_cells: dict[int, tuple[RunRecord, dict[str, Text]]] = {}
        """The cells of the runs on this page and the pages next to it, as drawn for ``_rendered_for``,
        by run id, with the record they were made from."""
        self._empty_shown = ""
        self._newer_shown = ""

    def compose(self) -> ComposeResult:
        yield HistoryFilter(
            placeholder="part of a job name · enter: apply (empty: all jobs) · esc: cancel",
            id="history-filter",
        )
        yield Static("", id="history-newer")
        yield HistoryTable(id="history-table")
        yield EmptyState(Text("Loading history…"), id="history-empty", classes="empty-state")

    def on_mount(self) -> None:
        self.filter_input.display = False
        self.query_one("#history-newer", Static).display = False
        self._update_titles()
        # The newest runs are asked for now, not with the first snapshot: the database works
        # while the rest of the screen is built.
        self.request(PageDirection.NEWEST, "keep")

    @property
    def table(self) -> HistoryTable:
        return self.query_one(HistoryTable)

    @property
    def filter_input(self) -> HistoryFilter:
        return self.query_one(HistoryFilter)

    # --- driven by the app's refresh ---------------------------------------------------------

    def show(self, revision: int, written: bool, now: datetime, palette: Palette, job_names: tuple[str, ...]) -> None:
        """Ask for the page again when runs started or ended (``revision``), and once more when
        the engine has written every record (``written``), since it writes them in the background."""
        self._job_names = job_names
        self._now, self._palette = now, palette
        freshness = (revision, written)
        if freshness != self._freshness:
            self._freshness = freshness
            self.reload()
        elif (now.date(), id(palette), stats_version(self)) != self._rendered_for:
            self._render_page()

    @property
    def following(self) -> bool:
        """Whether History follows the newest runs, as ``tail -f`` does: the cursor is on the
        newest run. Moving off it holds the page where it is (new runs are counted above it);
        home follows again."""
        page = self.page
        return page is None or not page.rows or (not page.has_newer and self.table.cursor_row <= 0)

    def reload(self) -> None:
        """Ask for the page on show again: the newest runs while following, else the same rows."""
        page = self.page
        if page is None or not page.rows or self.following:
            self.request(PageDirection.NEWEST, "follow")
        else:
            # The same top row: runs that started since stay above, counted, and nothing moves.
            self.request(PageDirection.OLDER, "keep", anchor_id=page.rows[0].id + 1)

    # --- loading -----------------------------------------------------------------------------

    def request(
        self,
        direction: PageDirection,
        aim: CursorAim,
        *,
        anchor_id: int | None = None,
        fallback_row: int | None = None,
    ) -> None:
        query = self._query(direction, anchor_id)
        self._request = (query, aim, fallback_row)
        token = self._supersede()
        self.run_worker(
            lambda: self._fetch(token, query, aim, fallback_row),
            thread=True,
            group="history",
            name=f"history {direction.value}",
            exit_on_error=False,
        )

    def _query(self, direction: PageDirection, anchor_id: int | None) -> HistoryQuery:
        return HistoryQuery(
            limit=self.page_size,
            direction=direction,
            anchor_id=anchor_id,
            job_contains=self.job_filter,
            failures_only=self.status_choice.failures_only,
            statuses=self.status_choice.statuses,
        )

    def _supersede(self) -> int:
        """A new page is on its way: answers to older requests, and pages fetched ahead, no longer apply."""
        self._token += 1
        self._neighbours = {}
        return self._token

    def _fetch(self, token: int, query: HistoryQuery, aim: CursorAim, fallback_row: int | None) -> None:
        """Runs in a thread: the query may take a while or fail; the UI never waits on it."""
        try:
            page = self._scheduler.history(query)
        except Exception as error:  # noqa: BLE001 - any failure becomes a notification and a retry
            deliver(self.app, partial(self._failed, token, error))
        else:
            deliver(self.app, partial(self._loaded, token, query, page, aim, fallback_row))

    def _loaded(
        self, token: int, query: HistoryQuery, page: HistoryPage, aim: CursorAim, fallback_row: int | None
    ) -> None:
        if token != self._token and not self._first_page(query):
            return  # a newer request superseded this one
        if self.failing:
            self.failing = False
            self.notify("History is readable again.", severity="information", markup=False)
        self._show_page(query.direction, page, aim, fallback_row)

    def _first_page(self, query: HistoryQuery) -> bool:
        """An earlier answer for the newest runs still beats an empty table while the latest request runs."""
        return (
            self.page is None
            and query.direction is PageDirection.NEWEST
            and (query.job_contains, query.failures_only, query.statuses)
            == (self.job_filter, self.status_choice.failures_only, self.status_choice.statuses)
        )

    def _show_page(
        self,
        direction: PageDirection,
        page: HistoryPage,
        aim: CursorAim,
        fallback_row: int | None,
        *,
        neighbours: dict[PageDirection, HistoryPage] | None = None,
    ) -> None:
        navigating = direction in (PageDirection.OLDER, PageDirection.NEWER) and aim != "keep"
        if navigating and not page.rows:
            # Past the oldest or newest run: stay on this page.
            if fallback_row is not None:
                self.table.move_to(fallback_row)
            return
        was_on_top = self.table.cursor_row <= 0
        self.page = page
        self._neighbours = dict(neighbours or {})
        self._render_page()
        if aim == "first" or (aim == "follow" and was_on_top):
            self.table.move_to(0)
            self.table.scroll_home(animate=False, immediate=True)
        elif aim == "last":
            self.table.move_to(-1)
        # Once the page is drawn: a query's Python side (building rows) would share the GIL with the drawing.
        self.call_after_refresh(self._fetch_neighbours, self._token, page)

    def _fetch_neighbours(self, token: int, page: HistoryPage) -> None:
        """Fetch the next older and newer pages ahead (those not known yet), in a thread worker."""
        known = self._neighbours
        if token != self._token or page is not self.page or not page.rows:
            return
        wanted = []
        if page.has_older and PageDirection.OLDER not in known:
            wanted.append(self._query(PageDirection.OLDER, page.rows[-1].id))
        if page.has_newer and PageDirection.NEWER not in known:
            wanted.append(self._query(PageDirection.NEWER, page.rows[0].id))
        if not wanted:
            return

        def fetch() -> None:
            for query in wanted:
                try:
                    neighbour = self._scheduler.history(query)
                except Exception:  # noqa: BLE001 - crossing into that page asks again, and reports a failure then
                    return
                deliver(self.app, partial(self._neighbour_loaded, token, page, query.direction, neighbour))

        self.run_worker(fetch, thread=True, group="history-ahead", name="history pages ahead", exit_on_error=False)

    def _neighbour_loaded(self, token: int, page: HistoryPage, direction: PageDirection, neighbour: HistoryPage) -> None:
        if token == self._token and page is self.page:
            self._neighbours[direction] = neighbour
            self._draw_ahead()
            self._show_newer()

    def _failed(self, token: int, error: Exception) -> None:
        if token != self._token:
            return
        if not self.failing:
            self.failing = True
            reason = strip_control(str(error)) or type(error).__name__
            self.notify(
                f"History unavailable: {reason}. Retrying every {self.retry_seconds:g} s.",
                title="History",
                severity="error",
                markup=False,
            )
        self._update_titles()
        self.set_timer(self.retry_seconds, self._retry)

    def _retry(self) -> None:
        if self.failing and self._request is not None:
            query, aim, fallback = self._request
            self.request(query.direction, aim, anchor_id=query.anchor_id, fallback_row=fallback)

    # --- filters -----------------------------------------------------------------------------

    def cycle_status(self, step: int = 1) -> None:
        """Show the next status filter (``step`` -1: the previous): all, failures, then each status."""
        index = STATUS_CHOICES.index(self.status_choice)
        self.status_choice = STATUS_CHOICES[(index + step) % len(STATUS_CHOICES)]
        self._update_titles()
        self.request(PageDirection.NEWEST, "first")

    def open_filter(self) -> None:
        field = self.filter_input
        field.suggester = SuggestFromList(self._job_names, case_sensitive=False)
        field.value = self.job_filter or ""
        field.display = True
        field.focus()

    def close_filter(self) -> None:
        self.filter_input.display = False
        self.table.focus()

    def set_job_filter(self, name: str | None) -> None:
        self.job_filter = name
        self._update_titles()
        self.request(PageDirection.NEWEST, "first")

    @on(HistoryFilter.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close_filter()
        self.set_job_filter(event.value.strip() or None)

    @on(HistoryFilter.Cancelled)
    def _filter_cancelled(self, event: HistoryFilter.Cancelled) -> None:
        event.stop()
        self.close_filter()

    # --- paging keys ---------------------------------------------------------------------------

    @on(HistoryTable.PageRequested)
    def _page_requested(self, event: HistoryTable.PageRequested) -> None:
        event.stop()
        page = self.page
        direction = event.direction
        if direction in (PageDirection.NEWEST, PageDirection.OLDEST):
            self.request(direction, event.aim)
            return
        if page is None or not page.rows:
            return
        more = page.has_older if direction is PageDirection.OLDER else page.has_newer
        if not more:
            if event.fallback_row is not None:
                self.table.move_to(event.fallback_row)
            return
        ahead = self._neighbours.get(direction)
        if ahead is not None:
            self._supersede()
            # Coming back is then free too: a full page is exactly the neighbour of the one next to it.
            behind = {OPPOSITE[direction]: page} if len(page.rows) == self.page_size else {}
            self._show_page(direction, ahead, event.aim, event.fallback_row, neighbours=behind)
            return
        anchor = page.rows[-1].id if direction is PageDirection.OLDER else page.rows[0].id
        self.request(direction, event.aim, anchor_id=anchor, fallback_row=event.fallback_row)

    # --- rendering -----------------------------------------------------------------------------

    def on_sync_table_layout_changed(self) -> None:
        self._render_page()

    def _render_page(self) -> None:
        now = self._now
        page = self.page
        if now is None or page is None:
            return
        rendered_for = (now.date(), id(self._palette), stats_version(self))
        if rendered_for != self._rendered_for:
            self._rendered_for = rendered_for
            self._row_cells = {}
        table = self.table
        table.runs = {str(record.id): RunRef(record.id, record.job_name, record.status) for record in page.rows}
        table.sync([(str(record.id), self._cells(record)) for record in page.rows])
        self._draw_ahead()
        self._show_newer()
        self.set_class(not page.rows, "-empty")
        message = self._empty_message()
        if message != self._empty_shown:
            # Static.update lays the whole screen out again: only when the words change.
            self._empty_shown = message
            self.query_one("#history-empty", Static).update(Text(message))
        self._update_titles()

    def _draw_ahead(self) -> None:
        """Have the table draw, between other work, the rest of this page and the pages next to
        it: crossing into one then waits neither for the database nor for drawing."""
        page = self.page
        if self._now is None or page is None:
            return
        pages = {direction: neighbour.rows for direction, neighbour in self._neighbours.items()}
        # Only the runs that may be shown soon keep their cells.
        keep = {record.id for rows in (page.rows, *pages.values()) for record in rows}
        self._row_cells = {run_id: made for run_id, made in self._row_cells.items() if run_id in keep}
        ahead = []
        if older := pages.get(PageDirection.OLDER):
            ahead.append(PageAhead([self._cells(record) for record in older], cursor_row=0))
        if newer := pages.get(PageDirection.NEWER):
            ahead.append(PageAhead([self._cells(record) for record in newer], cursor_row=len(newer) - 1))
        self.table.draw_ahead(ahead)

    def _empty_message(self) -> str:
        if self.status_choice is not STATUS_CHOICES[0] or self.job_filter:
            return "No runs match this filter. f: next status filter · /: change the job name (empty: all)."
        return "No runs recorded yet. Runs appear here as they start."

    def _show_newer(self) -> None:
        """The line above the table that counts the runs newer than the page (none while following)."""
        page = self.page
        text = ""
        if page is not None and page.has_newer:
            newer = self._neighbours.get(PageDirection.NEWER)
            if newer is None:
                # The count is on its way: keep the last one rather than flicker.
                text = self._newer_shown or "▲ newer runs above · home: show the newest"
            else:
                count = f"{len(newer.rows)}{'+' if newer.has_newer else ''}"
                runs = "run" if count == "1" else "runs"
                text = f"▲ {count} newer {runs} above · home: show the newest"
        if text != self._newer_shown:
            self._newer_shown = text
            marker = self.query_one("#history-newer", Static)
            marker.update(text)
            marker.display = bool(text)

    def _update_titles(self) -> None:
        title = Text("History")
        if self.status_choice is not STATUS_CHOICES[0]:
            title.append(f" · {self.status_choice.label}")
        if self.job_filter:
            title.append(f" · job *{strip_control(self.job_filter)}*")
        self.border_title = title
        page = self.page
        if self.failing:
            subtitle = "⚠ unavailable, retrying"
        elif page is not None and page.has_newer:
            subtitle = "held · home: newest"
        elif self.following:
            subtitle = "newest first · following"
        else:
            subtitle = "newest first · held · home: follow"
        self.border_subtitle = Text(subtitle)

    def _cells(self, record: RunRecord) -> dict[str, Text]:
        """The run's cells, made once while the day and the palette stay the same (see ``_render_page``)."""
        made = self._row_cells.get(record.id)
        # A page fetched again holds equal records; a run that changed (it ended) gets new cells.
        if made is not None and (made[0] is record or made[0] == record):
            return made[1]
        assert self._now is not None
        cells = self._make_cells(record, self._now)
        self._row_cells[record.id] = (record, cells)
        return cells

    def _make_cells(self, record: RunRecord, now: datetime) -> dict[str, Text]:
        palette = self._palette
        took = took_text(record.duration_ms, record.status.is_final)
        detail = outcome_text(record.error_first_line, record.message, palette)
        attempt = self._attempts.words(record)
        if attempt:
            shown = plain(f"{attempt} · " if detail.plain else attempt)
            detail = Text.assemble(shown, detail, no_wrap=True, overflow="ellipsis", end="")
        return {
            "status": status_text(record.status, palette),
            "run": plain(f"#{record.id}"),
            "job": plain(record.job_name),
            "started": plain(format_timestamp(record.started_at, now)),
            "duration": duration_cell(self, record.job_name, (record.duration_ms or 0) / 1000, took, palette),
            "lines": plain(format_lines(record.lines_added, record.lines_processed)),
            "error": detail,
        }
