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

from dataclasses import dataclass
from typing import ClassVar

from rich.console import OverflowMethod
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

SegmentLines = list[list[Segment]]

WIDE_FROM = 110
"""Tables at least this wide use their wide layout."""

REPLACE_FROM = 8
"""Rows gone in one sync above which the table is cleared and refilled rather than edited."""


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
    wide_label: str | None = None


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
        self.wide = False

    # --- layout ----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns()

    def on_mount(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        # One column is kept free for the vertical scrollbar so rows never reflow when it appears.
        available = self.size.width - 1
        if available <= 0:
            return
        wide = self.size.width >= WIDE_FROM
        shown = [column for column in self.COLUMNS if wide or not column.wide_only]
        widths = {column.key: (column.wide_width or column.width) if wide else column.width for column in shown}
        used = sum(widths.values()) + 2 * self.cell_padding * len(shown)
        for column in shown:
            if column.flex:
                widths[column.key] = min(
                    column.max_width, max(widths[column.key], widths[column.key] + available - used)
                )
        if widths == self._widths and wide == self.wide:
            return
        self.wide = wide
        self._widths = widths
        self._rebuild(shown)

    def _rebuild(self, shown: list[ColumnSpec]) -> None:
        selected = self.selected_key
        self.clear(columns=True)
        for column in shown:
            label = column.wide_label if self.wide and column.wide_label else column.label
            self.add_column(label, width=self._widths[column.key], key=column.key)
        for key in self._order:
            self._add(key, self._rows[key])
        self._restore_cursor(selected)
        self.post_message(self.LayoutChanged(self))

    class LayoutChanged(Message):
        """The table switched layout: its pane should render its rows again for the new widths."""

        def __init__(self, table: SyncTable) -> None:
            super().__init__()
            self.table = table

    def column_width(self, key: str) -> int | None:
        """The content width of a shown column, or None."""
        return self._widths.get(key)

    # --- rows -----------------------------------------------------------------------------

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # noqa: BLE001 - any stale coordinate means "no selection"
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
            self.remove_row(key)
            del self._rows[key]
        for key, cells in rows:
            old = self._rows.get(key)
            if old is None:
                self._rows[key] = dict(cells)
                self._add(key, cells)
                continue
            # Unchanged cells keep the very object the table holds (see _reorder).
            merged = {
                column_key: old[column_key] if same_text(old[column_key], cell) else cell
                for column_key, cell in cells.items()
            }
            self._rows[key] = merged
            for column_key in self._widths:
                if merged[column_key] is not old[column_key]:
                    self.update_cell(key, column_key, merged[column_key])
        order = [key for key, _ in rows]
        current = [row.key.value for row in self.ordered_rows]
        self._order = order
        if current != order and self._widths:
            self._reorder(order)
        self._restore_cursor(selected)

    def _replace(self, rows: list[tuple[str, dict[str, Text]]], selected: str | None) -> None:
        """Show ``rows`` instead of most of what is shown: one clear and one pass of adds.

        ``DataTable.remove_row`` walks every row and moves the cursor, so removing a
        page of rows one by one costs rows² steps; a new history page replaces them all.
        """
        cursor_row = self.cursor_row
        self.clear()
        self._rows = {key: dict(cells) for key, cells in rows}
        self._order = [key for key, _ in rows]
        for key, cells in rows:
            self._add(key, cells)
        self._restore_cursor(selected, fallback_row=cursor_row)

    # --- rendering ------------------------------------------------------------------------

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
        through Styled(Padding(text)) and Console.render_lines, about 0.3 ms a cell:
        a screenful of new rows (page down) took 40-50 ms. This builds the same
        segments directly (tests/console/test_cell_rendering.py holds it to the
        same output); anything else goes the general way.
        """
        header = row_index == -1
        if row_index < -1 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        # The header too: every new page (clear and add) would otherwise draw it the slow way again.
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        if header:
            cell = self.ordered_columns[column_index].label
            height = self.header_height
        else:
            cell = self._data[row_key][column_key]
            height = self.rows[row_key].height
        content_width = width - 2 * self.cell_padding
        if not isinstance(cell, Text) or height != 1 or "\n" in cell.plain or content_width < 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            header,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        segments = self._cell_segments(cell, content_width, overflow="crop" if header else "ellipsis")
        lines = [list(Segment.apply_style(segments, pre_style, post_style))]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _cell_segments(self, cell: Text, content_width: int, *, overflow: OverflowMethod) -> list[Segment]:
        """The padded segments of a one-line ``cell``, before the row's styles, as Rich lays them out.

        ``overflow`` applies when the cell sets none: DataTable gives data cells an ellipsis, and
        header labels reach Rich as they are, which crops them.
        """
        text = cell
        if text.cell_len > content_width:
            text = text.copy()
            text.truncate(content_width, overflow=cell.overflow or overflow)
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

    def _add(self, key: str, cells: dict[str, Text]) -> None:
        if self._widths:
            self.add_row(*(cells[column_key] for column_key in self._widths), key=key)

    def _reorder(self, order: list[str]) -> None:
        # DataTable.sort hands the key function cell values, not row keys; the
        # first column's cell objects are unique per row, so rank them by identity.
        first = next(iter(self._widths))
        rank = {id(self._rows[key][first]): index for index, key in enumerate(order)}
        self.sort(first, key=lambda cell: rank.get(id(cell), len(rank)))

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
