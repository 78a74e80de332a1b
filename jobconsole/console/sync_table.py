"""A DataTable that is kept in step with a list of rows by changing only what changed.

The panes hand it the rows they want, in order, every second or so.
:class:`SyncTable` adds and removes rows by key, updates only the cells whose
text or style changed, reorders only when the order changed, and keeps the
cursor on the same row: nothing is repainted when nothing changed, and an
operator's selection never jumps because new rows arrived.

Columns have fixed widths that fit the table's width: one flexible column
takes what is left, and some columns appear only when there is room.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import ClassVar, NamedTuple, cast

from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual._segment_tools import line_crop
from textual._two_way_dict import TwoWayDict
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import (
    CellDoesNotExist,
    Column,
    ColumnKey,
    Row,
    RowDoesNotExist,
    RowKey,
)

SegmentLines = list[list[Segment]]
CellKey = tuple[object, ...]

WIDE_FROM = 110
"""Tables at least this wide use their wide layout."""

SMALL_BELOW = 70
"""Tables narrower than this use their columns' small widths (a 60-column terminal)."""

REPLACE_FROM = 8
"""Rows gone in one sync above which the table is cleared and refilled rather than edited."""

DRAWN_LINES = 256
"""Lines a table keeps drawn: a few pages of rows and the cursor's. Every drawn line is a
dozen objects for the garbage collector to walk, so the caches stay small."""

DRAWN_CELLS = 1024
"""Cells a table keeps drawn: a row with one changed cell draws only that cell again."""

DRAW_AHEAD_SECONDS = 0.002
"""How long the table draws rows ahead at a time: the most a key pressed meanwhile waits."""

DRAW_AHEAD_PAUSE = 0.01
"""Seconds between two turns of drawing ahead, so that whatever else is to do comes first."""


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    label: str
    width: int
    """Content width in the narrow layout (the flexible column's minimum)."""
    wide_width: int | None = None
    """Content width in the wide layout; None means the same as ``width``."""
    flex: bool = False
    """Takes the width left over, up to ``max_width``."""
    max_width: int = 200
    wide_only: bool = False
    from_width: int = 0
    """Shown only in a table at least this wide (the least essential columns go first)."""
    small_width: int | None = None
    """Content width in a table narrower than SMALL_BELOW (None: ``width``)."""
    wide_label: str | None = None


class Look(NamedTuple):
    """The table's settings that change how any of its cells looks."""

    show_cursor: bool
    enabled_and_focus: tuple[bool, bool]
    """The pseudo-classes DataTable's caches key on, but :hover: whether the mouse is over the
    table changes no cell unless a stylesheet says so, and then every drawn cell is dropped
    (notify_style_update). Where the mouse is, and whether it shows, is each line's ``hover``."""
    cell_padding: int
    zebra_stripes: bool
    foreground_priority: str
    """Whose foreground wins under the cursor, the cell's or the CSS's (and below, the background)."""
    background_priority: str


class Frame(NamedTuple):
    """What every line of one drawing of a table shares (see SyncTable.render_lines)."""

    look: Look
    columns: list[Column]
    widths: tuple[int, ...]
    """Each column's width, padding included."""
    draws_lines: bool
    cursor_row: int
    hover_row: int
    show_hover_cursor: bool
    width: int
    scroll: tuple[int, int]
    base_style: Style
    header_height: int
    """0 when the header is hidden."""


@dataclass(frozen=True)
class PageAhead:
    """Rows a table may be given next, in place of the ones it shows (see :meth:`SyncTable.draw_ahead`)."""

    rows: Sequence[dict[str, Text]]
    """Cells by column key, from the top of the table."""
    cursor_row: int | None = None
    """Where the cursor will be among them."""


def screenful(rows: int, cursor_row: int | None, visible: int) -> range:
    """The rows on screen once a table of ``rows`` (scrolled to the top) has moved its cursor to ``cursor_row``."""
    last = max(visible, (cursor_row or 0) + 1)
    return range(max(0, last - visible), min(rows, last))


def cell_key(cell: object) -> CellKey | None:
    """All that a one-line Text cell's drawing depends on; None for any other cell.

    Rich's layout would justify (pad), wrap and expand tabs in what these cells leave
    alone, so a justified or multi-line Text, or one with a tab, is drawn DataTable's way.
    """
    if not isinstance(cell, Text) or cell.justify not in (None, "default") or any(c in cell.plain for c in "\n\t"):
        return None
    return (cell.plain, cell.style, tuple(cell.spans), cell.overflow)


@lru_cache(maxsize=4096)
def cell_style(row_style: Style, row: int, column: int, component_style: Style) -> Style:
    """The style DataTable puts under a cell's segments: its row's, its place (how a click finds it), the cursor's."""
    return row_style + Style.from_meta({"row": row, "column": column}) + component_style


def apply_styles(segments: list[Segment], style: Style, post_style: Style) -> list[Segment]:
    """``Segment.apply_style`` for segments without control codes, adding each distinct style once.

    A cell has four segments or so and two styles; Rich would add styles eight times,
    each a new style (the cell's place makes every cell's style different).
    """
    applied: dict[Style | None, Style | None] = {}
    result = []
    for text, segment_style, _ in segments:
        if segment_style in applied:
            final = applied[segment_style]
        else:
            final = style + segment_style if style else segment_style
            if post_style:
                final = final + post_style if final else post_style
            applied[segment_style] = final
        result.append(Segment(text, final))
    return result


def same_text(left: Text, right: Text) -> bool:
    """Rich's ``Text.__eq__`` ignores the base style; a cell changes when its style does."""
    return left.plain == right.plain and left.style == right.style and left.spans == right.spans


class SyncTable(DataTable[Text]):
    """Base for the panes' tables. Subclasses set ``COLUMNS``."""

    COLUMNS: ClassVar[tuple[ColumnSpec, ...]] = ()

    def __init__(self, *, id: str | None = None) -> None:
        # Cell colours win over the cursor's, so a status or a nearly-due bar keeps its colour when selected.
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, cell_padding=1, cursor_foreground_priority="renderable"
        )
        self._rows: dict[str, dict[str, Text]] = {}
        self._order: list[str] = []
        self._widths: dict[str, int] = {}
        self._height = 0
        self.wide = False
        self._drawn_lines: LRUCache[tuple[object, ...], Strip] = LRUCache(DRAWN_LINES)
        self._drawn_cells: LRUCache[tuple[object, ...], SegmentLines] = LRUCache(DRAWN_CELLS)
        self._frame_now: Frame | None = None
        self._ahead_pages: tuple[PageAhead, ...] | None = None
        self._ahead: Iterator[tuple[int, dict[str, Text], int | None]] | None = None
        self._ahead_timer: Timer | None = None

    # --- layout ----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        taller = event.size.height > self._height
        self._height = event.size.height
        if not self._fit_columns() and taller:
            self.post_message(self.LayoutChanged(self))

    def on_mount(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> bool:
        """Fit the columns to the table's width; whether the layout changed."""
        # One column is kept free for the vertical scrollbar so rows never reflow when it appears.
        available = self.size.width - 1
        if available <= 0:
            return False
        wide = self.size.width >= WIDE_FROM
        shown = [
            column
            for column in self.COLUMNS
            if (wide or not column.wide_only) and self.size.width >= column.from_width
        ]
        small = self.size.width < SMALL_BELOW
        widths = {
            column.key: (column.wide_width or column.width)
            if wide
            else (column.small_width or column.width)
            if small
            else column.width
            for column in shown
        }
        used = sum(widths.values()) + 2 * self.cell_padding * len(shown)
        for column in shown:
            if column.flex:
                widths[column.key] = min(
                    column.max_width, max(widths[column.key], widths[column.key] + available - used)
                )
        if widths == self._widths and wide == self.wide:
            return False
        self.wide = wide
        self._widths = widths
        self._rebuild(shown)
        return True

    def _rebuild(self, shown: list[ColumnSpec]) -> None:
        selected, scroll_y = self.selected_key, self.scroll_y
        self.clear(columns=True)
        for column in shown:
            label = column.wide_label if self.wide and column.wide_label else column.label
            self.add_column(label, width=self._widths[column.key], key=column.key)
        self._add_rows([(key, self._rows[key]) for key in self._order])
        self._restore_cursor(selected)
        # The same rows come back: so does the scroll position, once they have a height again
        # (after the cursor's own scroll into view), and the selected row stays where it was.
        self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False, immediate=True)
        self.post_message(self.LayoutChanged(self))

    class LayoutChanged(Message):
        """The table switched layout, or shows more rows than before: its pane should render its
        rows again, for the new widths or for the rows that came on screen."""

        def __init__(self, table: SyncTable) -> None:
            super().__init__()
            self.table = table

    def column_width(self, key: str) -> int | None:
        """The content width of a shown column, or None."""
        return self._widths.get(key)

    # --- rows -----------------------------------------------------------------------------

    def rows_on_screen(self) -> range:
        """The indexes of the rows on screen now; every row while the table has no size yet."""
        visible = self.size.height - (self.header_height if self.show_header else 0)
        if visible <= 0:
            return range(sys.maxsize)
        top = self.scroll_offset.y
        return range(top, top + visible)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:  # a stale coordinate means "no selection"
            return None
        return row_key.value

    def sync(self, rows: list[tuple[str, dict[str, Text]]]) -> None:
        """Show ``rows`` (key and cells by column key) in this order, touching only what changed."""
        selected = self.selected_key
        wanted = dict(rows)
        gone = [key for key in self._order if key not in wanted]
        if len(gone) > REPLACE_FROM:
            self._replace(rows, selected)
            return
        for key in gone:
            if self._widths:  # without widths yet, no row was added to the table (see _add)
                self.remove_row(key)
            del self._rows[key]
        changed: list[tuple[str, str, Text]] = []
        # The table's order once the gone rows are removed and the new ones added (at the end).
        current = [key for key in self._order if key in wanted] if gone else list(self._order)
        added: list[tuple[str, dict[str, Text]]] = []
        for key, cells in rows:
            old = self._rows.get(key)
            if old is None:
                self._rows[key] = dict(cells)
                added.append((key, cells))
                current.append(key)
                continue
            # The panes hand over the very cells of last time for most rows, most seconds.
            if len(old) == len(cells) and all(old.get(column_key) is cell for column_key, cell in cells.items()):
                continue
            # A cell that looks the same is not updated: nothing to draw again.
            changed.extend(
                (key, column_key, cells[column_key])
                for column_key in self._widths
                if old[column_key] is not cells[column_key] and not same_text(old[column_key], cells[column_key])
            )
            self._rows[key] = dict(cells)
        self._add_rows(added)
        self._update_cells(changed)
        order = [key for key, _ in rows]
        self._order = order
        if current != order and self._widths:
            self._reorder(order)
        self._restore_cursor(selected)

    def _update_cells(self, changes: list[tuple[str, str, Text]]) -> None:
        """``DataTable.update_cell`` for each (row key, column key, cell), refreshing once for all.

        update_cell refreshes the whole table each time, and a second of countdowns in
        Upcoming changes a cell in every row on screen (tests/console/test_line_rendering.py
        holds the result to update_cell's).
        """
        for row_key, column_key, cell in changes:
            self._data[RowKey(row_key)][ColumnKey(column_key)] = cell
        if changes:
            self._update_count += 1
            self.refresh()

    def _replace(self, rows: list[tuple[str, dict[str, Text]]], selected: str | None) -> None:
        """Show ``rows`` instead of most of what is shown: one clear and one pass of adds.

        ``DataTable.remove_row`` walks every row and moves the cursor, so removing a
        page of rows one by one costs rows² steps; a new history page replaces them all.
        """
        cursor_row = self.cursor_row
        self.clear()
        self._rows = {key: dict(cells) for key, cells in rows}
        self._order = [key for key, _ in rows]
        self._add_rows(rows)
        self._restore_cursor(selected, fallback_row=cursor_row)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable's, without measuring every cell of the new rows when no width depends on them.

        DataTable measures each new cell to widen columns that fit their content, and
        labels and rows of automatic height: 10 ms for a page of 50 rows. Here every
        column has a fixed width and no row has a label or an automatic height, so only
        the scrollable size is left to set (tests/console/test_line_rendering.py).
        """
        added = [row for row in map(self.rows.get, new_rows) if row is not None]
        if any(column.auto_width for column in self.columns.values()) or any(
            row.label is not None or row.auto_height for row in added
        ):
            super()._update_dimensions(row.key for row in added)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self._total_row_height + header_height)

    # --- rendering ------------------------------------------------------------------------
    #
    # DataTable keys each cached line, row and cell by its update count and the cursor's
    # position: a new row, a changed cell or a cursor move makes it draw every visible row
    # again, cell by cell (about 0.7 ms a row). SyncTable keys what it draws by what it
    # shows instead: a cell by its text and place, a line by its cells and whether the
    # cursor or the mouse is on it. Only a row that looks different is drawn again.

    def notify_style_update(self) -> None:
        # The cursor's and the header's colours come from CSS (and the focus): not part of the keys.
        self._drawn_cells.clear()
        self._drawn_lines.clear()
        super().notify_style_update()
        if self._ahead_pages is not None and self.is_mounted:
            self._plan_ahead()

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line shares is worked out once: DataTable reads it for every line (0.1 ms a line).
        self._pseudo_class_state = self.get_pseudo_class_state()
        self._frame_now = self._frame()
        try:
            return super().render_lines(crop)
        finally:
            self._frame_now = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame_now
        if frame is None or not frame.draws_lines:
            return super().render_line(y)
        scroll_x, scroll_y = frame.scroll
        # As DataTable: the header stays put, the rows scroll (there are no fixed rows here).
        if y >= frame.header_height:
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + frame.width, frame.base_style)

    def _frame(self) -> Frame:
        """The table's state that every line drawn now shares."""
        columns = self.ordered_columns
        width = self.size.width
        return Frame(
            look=self._look(),
            columns=columns,
            widths=tuple(column.get_render_width(self) for column in columns),
            draws_lines=self._draws_lines(),
            cursor_row=self.cursor_coordinate.row,
            hover_row=self.hover_coordinate.row,
            show_hover_cursor=self._show_hover_cursor,
            width=width,
            scroll=(self.scroll_offset.x, self.scroll_offset.y),
            base_style=self.rich_style,
            header_height=self.header_height if self.show_header else 0,
        )

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """DataTable's line ``y``, cropped to ``x1``-``x2``, from a cache keyed by what it shows.

        tests/console/test_line_rendering.py holds it to DataTable's output.
        """
        frame = self._frame_now or self._frame()
        width = frame.width
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return Strip.blank(width, base_style)
        if line_no or not frame.draws_lines:
            return super()._render_line(y, x1, x2, base_style)
        if row_key is self._header_row_key:
            row_index, height = -1, self.header_height
            cells: tuple[object, ...] = tuple(column.label for column in frame.columns)
        else:
            row_index, height = self._row_locations.get(row_key), self.rows[row_key].height
            data = self._data[row_key]
            cells = tuple(data[column.key] for column in frame.columns)
        strip = self._line(row_index, cells, height, (x1, x2, width), base_style, frame, frame.cursor_row)
        return super()._render_line(y, x1, x2, base_style) if strip is None else strip

    def _draws_lines(self) -> bool:
        """Whether :meth:`_line` can draw this table's rows: a row cursor, no fixed rows or columns, no labels."""
        return (
            self.cursor_type == "row"
            and not self.fixed_rows
            and not self.fixed_columns
            and not (self._labelled_row_exists and self.show_row_labels)
        )

    def _line(
        self,
        row_index: int,
        cells: tuple[object, ...],
        height: int,
        crop: tuple[int, int, int],
        base_style: Style,
        frame: Frame,
        cursor_row: int | None,
        *,
        keep_cells: bool = True,
    ) -> Strip | None:
        """Row ``row_index`` (-1: the header) as a line, drawn or from the cache; None unless
        it is a one-line row of one-line Text cells, every column wide enough for text.

        ``keep_cells``: keep its cells drawn as well, for when one of them changes.
        """
        keys = tuple(map(cell_key, cells))
        widths = frame.widths
        look = frame.look
        if height != 1 or None in keys or min(widths, default=1) - 2 * look.cell_padding < 1:
            return None
        # With a row cursor, a cell is highlighted when its row is the cursor's (or the mouse's);
        # only while the cursor (and the mouse's) is shown does that change how it looks.
        cursor = look.show_cursor and cursor_row == row_index
        hover = look.show_cursor and frame.show_hover_cursor and frame.hover_row == row_index
        key = (row_index, keys, widths, crop, base_style, cursor, hover, look)
        strip = self._drawn_lines.get(key)
        if strip is None:
            texts = cast(tuple[Text, ...], cells)
            strip = self._draw_line(row_index, texts, keys, widths, crop, base_style, cursor, hover, look, keep_cells)
            self._drawn_lines[key] = strip
        return strip

    def _draw_line(
        self,
        row_index: int,
        cells: tuple[Text, ...],
        keys: tuple[CellKey | None, ...],
        widths: tuple[int, ...],
        crop: tuple[int, int, int],
        base_style: Style,
        cursor: bool,
        hover: bool,
        look: Look,
        keep_cells: bool,
    ) -> Strip:
        """DataTable._render_line_in_row and _render_line, for a row :meth:`_line` draws."""
        x1, x2, width = crop
        row_style = self._get_row_style(row_index, base_style)
        segments: list[Segment] = []
        for column_index, (cell, key, cell_width) in enumerate(zip(cells, keys, widths, strict=True)):
            assert key is not None
            lines = self._draw_cell(
                row_index, column_index, cell, key, row_style, cell_width, cursor, hover, look, keep_cells
            )
            segments.extend(lines[0])
        # The row's style, cursor included, runs on to the table's right edge.
        extend_style, _ = self._get_styles_to_render_cell(
            row_index == -1, False, False, hover, cursor, look.show_cursor, True, False, False
        )
        extend_style = row_style + extend_style
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        segments.append(Segment(" " * max(0, width - sum(widths)), extend_style))
        return Strip(line_crop(segments, x1, x2, width)).adjust_cell_length(width, base_style).simplify()

    def draw_ahead(self, pages: Sequence[PageAhead] = ()) -> None:
        """While this table has the focus, draw its rows that are off screen, then the screenful
        of each of ``pages`` that showing it would bring up, a few rows at a time between other
        work: scrolling to them, or showing such a page, then draws nothing new.

        Only what is drawn is kept (by what it shows); nothing here changes the table. Rows
        are drawn ahead again when the table's look changes (the focus, the theme).
        """
        self._ahead_pages = tuple(pages)
        self._plan_ahead()

    def on_focus(self) -> None:
        if self._ahead_pages is not None:
            self._plan_ahead()

    def _plan_ahead(self) -> None:
        # Keys reach only the focused table: nothing else is about to scroll or change page.
        if not self.has_focus:
            self._ahead = None
            return
        visible = max(1, self.size.height - (self.header_height if self.show_header else 0))
        top = self.scroll_offset.y
        cursor = self.cursor_coordinate.row
        # The rows below the screen first (the next page down), then those above.
        below = range(top + visible, len(self._order))
        above = range(min(top, len(self._order)))
        own = [(index, self._rows[self._order[index]], cursor) for index in (*below, *above)]
        others = (
            (index, page.rows[index], page.cursor_row)
            for page in self._ahead_pages or ()
            for index in screenful(len(page.rows), page.cursor_row, visible)
        )
        self._ahead = chain(own, others)
        if self._ahead_timer is None:
            self._ahead_timer = self.set_timer(DRAW_AHEAD_PAUSE, self._draw_some_ahead, name="draw ahead")

    def _draw_some_ahead(self) -> None:
        """One turn of :meth:`draw_ahead`: rows for DRAW_AHEAD_SECONDS, then wait for the next turn."""
        self._ahead_timer = None
        rows = self._ahead
        if rows is None or not self._draws_lines() or not self._widths:
            self._ahead = None
            return
        # As render_lines will see it: the focus may have changed since the table was last drawn.
        self._pseudo_class_state = self.get_pseudo_class_state()
        frame = self._frame()
        scroll_x = frame.scroll[0]
        crop = (scroll_x, scroll_x + frame.width, frame.width)
        keys = [column.key.value for column in frame.columns]
        until = time.perf_counter() + DRAW_AHEAD_SECONDS
        for index, cells, cursor_row in rows:
            row = tuple(cells.get(key) for key in keys)  # type: ignore[arg-type]
            self._line(index, row, 1, crop, frame.base_style, frame, cursor_row, keep_cells=False)
            if time.perf_counter() > until:
                self._ahead_timer = self.set_timer(DRAW_AHEAD_PAUSE, self._draw_some_ahead, name="draw ahead")
                return
        self._ahead = None

    def _look(self) -> Look:
        return Look(
            self.show_cursor,
            (self._pseudo_class_state.enabled, self._pseudo_class_state.focus),
            self.cell_padding,
            self.zebra_stripes,
            self.cursor_foreground_priority,
            self.cursor_background_priority,
        )

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """DataTable's cell rendering, without Rich's layout machinery for the one case the panes have.

        Every cell here is a one-line Text in a one-line row. DataTable renders each
        through Styled(Padding(text)) and Console.render_lines, about 0.3 ms a cell.
        :meth:`_draw_cell` builds the same segments directly
        (tests/console/test_cell_rendering.py holds it to the same output); anything
        else goes the general way.
        """
        if row_index < -1 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if row_index == -1:
            cell: object = self.ordered_columns[column_index].label
            height = self.header_height
        else:
            row_key = self._row_locations.get_key(row_index)
            cell = self._data[row_key][self._column_locations.get_key(column_index)]
            height = self.rows[row_key].height
        key = cell_key(cell)
        if key is None or height != 1 or width - 2 * self.cell_padding < 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        assert isinstance(cell, Text)
        shows_hover = hover and self.show_cursor and self._show_hover_cursor
        return self._draw_cell(row_index, column_index, cell, key, base_style, width, cursor, shows_hover, self._look())

    def _draw_cell(
        self,
        row_index: int,
        column_index: int,
        cell: Text,
        key: CellKey,
        row_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
        look: Look,
        keep: bool = True,
    ) -> SegmentLines:
        """A one-line Text cell's segments, from a cache keyed by what it shows and where (``keep``: into it).

        ``hover``: the mouse's highlight shows on it (the mouse is on its row, and shown).
        """
        cache_key = (row_index, column_index, key, row_style, width, cursor, hover, look)
        cached = self._drawn_cells.get(cache_key)
        if cached is not None:
            return cached
        header = row_index == -1
        component_style, post_style = self._get_styles_to_render_cell(
            header,
            False,
            False,
            hover,
            cursor,
            look.show_cursor,
            True,  # ``hover`` says whether the mouse's highlight shows
            look.foreground_priority == "css",
            look.background_priority == "css",
        )
        pre_style = cell_style(row_style, row_index, column_index, component_style)
        segments = self._cell_segments(cell, width - 2 * look.cell_padding)
        lines = [apply_styles(segments, pre_style, post_style)]
        if keep:
            self._drawn_cells[cache_key] = lines
        return lines

    def _cell_segments(self, cell: Text, content_width: int) -> list[Segment]:
        """The padded segments of a one-line ``cell``, before the row's styles, as Rich lays them out.

        A cell that sets no overflow is cropped: DataTable lays rows of height 1 out without
        wrapping, where Rich's default overflow ("fold") crops.
        """
        text = cell
        if text.cell_len > content_width:
            text = text.copy()
            text.truncate(content_width, overflow=cell.overflow or "crop")
        if text.style and text.plain:
            # Rich turns the base style into the first span when it lays a Text out.
            text = Text(text.plain, spans=[Span(0, len(text.plain), text.style), *text.spans], end="")
        blank = Style()
        padding = [Segment(" " * self.cell_padding, blank)] if self.cell_padding else []
        segments = [*padding, *text.render(self.app.console, end="")]
        fill = content_width - text.cell_len
        if fill > 0:
            segments.append(Segment(" " * fill, blank))
        segments.extend(padding)
        return segments

    def _add_rows(self, rows: Sequence[tuple[str, dict[str, Text]]]) -> None:
        """``DataTable.add_row`` for each of ``rows`` (new keys), at the end, in one pass.

        add_row does its bookkeeping (the cursor, the update count, an idle check) once a
        row: 2.5 ms for a page of 50 rows, which a key that changes page would wait for. Here
        it is done once for all (tests/console/test_line_rendering.py holds the result to add_row's).
        """
        if not self._widths or not rows:
            return
        columns = [(ColumnKey(name), name) for name in self._widths]
        start = self.row_count
        for index, (key, cells) in enumerate(rows, start):
            row_key = RowKey(key)
            self._row_locations[row_key] = index
            self._data[row_key] = {column_key: cells[name] for column_key, name in columns}
            self.rows[row_key] = Row(row_key, 1)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            # As add_row: a cursor that had no cell to be on now has one.
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _reorder(self, order: list[str]) -> None:
        """What ``DataTable.sort`` does, in the order of ``order``'s row keys (sort ranks cell values)."""
        self._row_locations = TwoWayDict({RowKey(key): index for index, key in enumerate(order)})
        self._update_count += 1
        self.refresh()

    def _restore_cursor(self, key: str | None, *, fallback_row: int | None = None) -> None:
        if key is None or not self.row_count:
            return
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            index = min(self.cursor_row if fallback_row is None else fallback_row, self.row_count - 1)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (negative counts from the end)."""
        if self.row_count:
            self.move_cursor(row=index % self.row_count, animate=False)
