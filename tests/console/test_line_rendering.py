"""SyncTable draws whole lines itself, keyed by what they show; a DataTable with the same rows must draw the same.

Each test puts a SyncTable next to a plain DataTable of the same size, columns and
rows, brings both into the same state (cursor, mouse, focus, scrolling, changed
cells, a new page) and compares every line they draw, segment by segment (text,
colours and the row/column a click finds).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable

from jobconsole.console.formatting import Palette, status_text, trail_text
from jobconsole.console.sync_table import ColumnSpec, PageAhead, SyncTable, screenful
from jobconsole.runs import RunStatus

PALETTE = Palette({"text-success": "#00ff00", "text-error": "#ff0000"})


class LineTable(SyncTable):
    COLUMNS = (
        ColumnSpec("status", "Status", 11),
        ColumnSpec("job", "Job", 12, flex=True, max_width=30),
        ColumnSpec("trail", "Recent", 6),
    )


def row_cells(index: int) -> dict[str, Text]:
    status = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED)[index % 3]
    return {
        "status": status_text(status, PALETTE),
        "job": Text(f"job-{index:03d} with a name too long for its column", no_wrap=True, overflow="ellipsis", end=""),
        "trail": trail_text((status, RunStatus.FAILED) * (index % 4), PALETTE, width=6),
    }


def page(start: int, count: int) -> list[tuple[str, dict[str, Text]]]:
    return [(str(index), row_cells(index)) for index in range(start, start + count)]


class TwinApp(App[None]):
    """A SyncTable above a plain DataTable of the same size; ``sync`` fills both alike."""

    CSS = "Vertical { height: 1fr; } DataTable { height: 1fr; scrollbar-size-vertical: 1; }"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield LineTable(id="ours")
        with Vertical():
            yield DataTable(id="theirs", cursor_type="row", cell_padding=1, cursor_foreground_priority="renderable")

    @property
    def ours(self) -> LineTable:
        return self.query_one(LineTable)

    @property
    def theirs(self) -> DataTable[Text]:
        return self.query_one("#theirs", DataTable)

    def sync(self, rows: list[tuple[str, dict[str, Text]]]) -> None:
        ours, theirs = self.ours, self.theirs
        ours.sync(rows)
        if not theirs.columns:
            for key, width in ours._widths.items():
                label = next(column.label for column in ours.ordered_columns if column.key.value == key)
                theirs.add_column(label, width=width, key=key)
        theirs.clear()
        for key, cells in rows:
            theirs.add_row(*(cells[column] for column in ours._widths), key=key)


def drawn(table: DataTable[Text]) -> list[list[Segment]]:
    return [list(strip) for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))]


async def assert_same_lines(app: TwinApp, pilot: Pilot[None], *, cursor: int, hover: int | None = None) -> None:
    ours, theirs = app.ours, app.theirs
    for table in (ours, theirs):
        table.move_cursor(row=cursor, animate=False)
        if hover is not None:
            table._set_hover_cursor(True)
            table.hover_coordinate = Coordinate(hover, 0)
    await pilot.pause()
    assert ours.scroll_offset == theirs.scroll_offset
    assert ours.virtual_size == theirs.virtual_size
    theirs.focus()
    await pilot.pause()
    theirs_focused = drawn(theirs)
    ours.focus()
    await pilot.pause()
    ours_focused = drawn(ours)
    assert ours_focused == theirs_focused
    app.set_focus(None)
    await pilot.pause()
    assert drawn(ours) == drawn(theirs)


async def test_lines_are_drawn_exactly_as_datatable_draws_them() -> None:
    app = TwinApp()
    async with app.run_test(size=(60, 24)) as pilot:
        app.sync(page(0, 30))
        await pilot.pause()
        assert app.ours.virtual_size.height == 31
        await assert_same_lines(app, pilot, cursor=0)
        await assert_same_lines(app, pilot, cursor=25)  # scrolled down
        await assert_same_lines(app, pilot, cursor=3, hover=5)


async def test_changed_cells_are_drawn_as_datatable_draws_them_after_update_cell() -> None:
    app = TwinApp()
    async with app.run_test(size=(60, 24)) as pilot:
        app.sync(page(0, 12))
        await pilot.pause()
        await assert_same_lines(app, pilot, cursor=2)
        changed = [(key, {**cells, "job": Text(f"renamed {key}", end="")}) for key, cells in page(0, 12)]
        app.ours.sync(changed)
        for key, cells in changed:
            app.theirs.update_cell(key, "job", cells["job"])
        assert [app.ours.get_row(key) for key, _ in changed] == [app.theirs.get_row(key) for key, _ in changed]
        await pilot.pause()
        # On screen without anything else happening: one refresh for all the changed cells.
        assert app.export_screenshot().count("renamed") == 2 * min(12, app.ours.size.height - 1)
        await assert_same_lines(app, pilot, cursor=2)


async def draw_the_next_page_ahead(app: TwinApp, pilot: Pilot[None]) -> LineTable:
    """Rows 0-29 on show and focused; rows 30-59, the next page, drawn ahead in full."""
    app.sync(page(0, 30))
    ours = app.ours
    ours.focus()
    await pilot.pause()
    ours.draw_ahead([PageAhead([cells for _, cells in page(30, 30)], cursor_row=0)])
    while ours._ahead is not None:  # the turns the timer would take, taken at once
        ours._draw_some_ahead()
    return ours


async def test_a_page_drawn_ahead_is_drawn_as_datatable_draws_it() -> None:
    app = TwinApp()
    async with app.run_test(size=(60, 24)) as pilot:
        ours = await draw_the_next_page_ahead(app, pilot)
        misses = ours._drawn_lines.misses
        app.sync(page(30, 30))
        ours.move_to(0)
        await pilot.pause()
        assert drawn(ours)  # the new page on screen, every line of it drawn before
        assert ours._drawn_lines.misses == misses
        await assert_same_lines(app, pilot, cursor=0)


def test_the_screenful_a_page_opens_on_shows_its_cursor() -> None:
    assert screenful(50, 0, 19) == range(19)
    assert screenful(50, 49, 19) == range(31, 50)
    assert screenful(10, 9, 19) == range(10)


async def test_a_cell_without_overflow_or_with_a_tab_is_drawn_as_datatable_draws_it() -> None:
    app = TwinApp()
    async with app.run_test(size=(60, 24)) as pilot:
        rows = page(0, 3)
        rows[1][1]["job"] = Text("a text far longer than the column it sits in", end="")
        rows[2][1]["job"] = Text("err:\tbad value", no_wrap=True, overflow="ellipsis", end="")
        app.sync(rows)
        await pilot.pause()
        await assert_same_lines(app, pilot, cursor=0)


async def test_a_page_drawn_ahead_is_still_used_after_the_mouse_came_over_the_table() -> None:
    app = TwinApp()
    async with app.run_test(size=(60, 24)) as pilot:
        ours = await draw_the_next_page_ahead(app, pilot)
        drawn_ahead = set(ours._drawn_lines.keys())
        await pilot.hover(LineTable)  # the pointer comes to rest over the table; the next key hides its highlight
        ours._set_hover_cursor(False)
        app.sync(page(30, 30))
        ours.move_to(0)
        await pilot.pause()
        assert drawn(ours)
        # Only the header may be drawn again (the mouse's column shows in it); every row was drawn before.
        drawn_now = [key[0] for key in ours._drawn_lines.keys() if key not in drawn_ahead]
        assert set(drawn_now) <= {-1}
