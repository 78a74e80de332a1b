"""SyncTable draws its cells itself, faster than DataTable; what it draws must be exactly what DataTable draws."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from jobconsole.console.formatting import Palette, status_text, trail_text
from jobconsole.console.sync_table import ColumnSpec, SyncTable
from jobconsole.runs import RunStatus


class CellTable(SyncTable):
    COLUMNS = (
        ColumnSpec("short", "Short", 4),
        ColumnSpec("wide", "Wide", 12),
        ColumnSpec("rest", "Rest", 6, flex=True, max_width=30),
    )


def cells() -> list[Text]:
    palette = Palette({"text-success": "#00ff00", "text-error": "#ff0000"})
    return [
        Text("", end=""),
        Text("", style="bold", end=""),
        Text("ok", end=""),
        Text("exactly 4", style=Style(color="red"), no_wrap=True, overflow="ellipsis", end=""),
        Text("longer than any column here, cut with an ellipsis", no_wrap=True, overflow="ellipsis", end=""),
        Text("大きい文字の行です", no_wrap=True, overflow="ellipsis", end=""),
        Text("a\ttab", no_wrap=True, overflow="ellipsis", end=""),
        Text.assemble(("▶ ", "blue"), ("job", "bold"), no_wrap=True, overflow="ellipsis", end=""),
        status_text(RunStatus.FAILED, palette),
        trail_text((RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED) * 4, palette),
    ]


class CellApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CellTable(id="cells")

    def on_mount(self) -> None:
        table = self.query_one(CellTable)
        samples = cells()
        table.sync(
            [
                (str(index), {"short": sample, "wide": samples[-1 - index], "rest": sample})
                for index, sample in enumerate(samples)
            ]
        )


@pytest.mark.parametrize("width", [40, 120])
async def test_cells_are_drawn_exactly_as_datatable_draws_them(width: int) -> None:
    app = CellApp()
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(CellTable)
        base = table.rich_style
        compared = 0
        for row in range(-1, table.row_count):  # -1: the header
            for column_index, column in enumerate(table.ordered_columns):
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    style = table._get_row_style(row, base)
                    render_width = column.get_render_width(table)
                    table._clear_caches()
                    ours = table._render_cell(row, column_index, style, render_width, cursor, hover)
                    table._clear_caches()
                    theirs = DataTable._render_cell(table, row, column_index, style, render_width, cursor, hover)
                    assert ours == theirs, (row, column.key, cursor, hover)
                    compared += 1
        assert compared == (table.row_count + 1) * len(table.ordered_columns) * 3 > 0


async def test_replacing_most_rows_keeps_the_selected_row() -> None:
    app = CellApp()
    async with app.run_test(size=(80, 30)) as pilot:
        table = app.query_one(CellTable)

        def rows(keys: range) -> list[tuple[str, dict[str, Text]]]:
            return [(str(key), {"short": Text(str(key)), "wide": Text("w"), "rest": Text("r")}) for key in keys]

        table.sync(rows(range(20)))
        table.move_cursor(row=table.get_row_index("15"), animate=False)
        table.sync(rows(range(10, 30)))  # ten rows gone: cleared and refilled in one pass
        await pilot.pause()
        assert [row.key.value for row in table.ordered_rows] == [str(key) for key in range(10, 30)]
        assert table.selected_key == "15" and table.cursor_row == 5
        table.sync(rows(range(100, 120)))  # the selected row gone too: the cursor keeps its place
        await pilot.pause()
        assert table.get_cell("105", "short").plain == "105" and table.cursor_row == 5


def numbered(keys: Iterable[int]) -> list[tuple[str, dict[str, Text]]]:
    return [(str(key), {"short": Text(str(key)), "wide": Text("w"), "rest": Text("r")}) for key in keys]


class HiddenTableApp(App[None]):
    """As the Running pane starts: empty, so its table is not displayed and has no width yet."""

    CSS = ".-empty CellTable { display: none; }"

    def compose(self) -> ComposeResult:
        with Vertical(classes="-empty"):
            yield CellTable()


async def test_a_row_can_come_and_go_before_the_table_is_first_laid_out() -> None:
    app = HiddenTableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(CellTable)
        app.query_one(Vertical).remove_class("-empty")
        table.sync(numbered(range(3)))  # a run starts...
        table.sync(numbered(range(1, 3)))  # ...and ends before the next layout
        await pilot.pause()
        assert [row.key.value for row in table.ordered_rows] == ["1", "2"]


async def test_a_resize_keeps_the_selected_row_where_it_was_on_screen() -> None:
    app = CellApp()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(CellTable)
        table.sync(numbered(range(60)))
        table.move_cursor(row=45, animate=False)
        await pilot.pause()
        table.move_cursor(row=30, animate=False)  # near the top of the screen, scrolled down
        await pilot.pause()
        before, width = table.cursor_row - table.scroll_y, table.column_width("rest")
        await pilot.resize_terminal(46, 20)  # the flexible column widens: the columns are built anew
        await pilot.pause()
        await pilot.pause()
        assert table.column_width("rest") == width + 6
        assert table.selected_key == "30" and table.cursor_row - table.scroll_y == before


async def test_rows_take_the_order_given_even_when_they_share_cell_objects() -> None:
    app = CellApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(CellTable)
        dash = Text("–")  # one object in every row's first cell, as a constant would be
        rows = {key: {"short": dash, "wide": Text(key), "rest": Text("r")} for key in "abc"}
        table.sync([(key, rows[key]) for key in "abc"])
        table.move_cursor(row=table.get_row_index("b"), animate=False)
        table.sync([(key, rows[key]) for key in "cab"])
        await pilot.pause()
        assert [row.key.value for row in table.ordered_rows] == ["c", "a", "b"]
        assert [table.get_row_at(index)[1].plain for index in range(3)] == ["c", "a", "b"]
        assert table.selected_key == "b"


async def test_rows_removed_added_and_moved_in_one_sync_take_the_order_given() -> None:
    app = CellApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(CellTable)
        table.sync(numbered(range(1, 5)))
        for keys in ([4, 2, 5], [4, 2, 5, 6], [6, 4, 2, 5], [6, 4, 2, 5]):
            table.sync(numbered(keys))
            await pilot.pause()
            assert [row.key.value for row in table.ordered_rows] == [str(key) for key in keys]
            assert [table.get_row_at(index)[0].plain for index in range(len(keys))] == [str(key) for key in keys]
