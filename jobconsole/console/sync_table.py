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

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

WIDE_FROM = 110
"""Tables at least this wide use their wide layout."""


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
        for key in [key for key in self._order if key not in wanted]:
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

    def _add(self, key: str, cells: dict[str, Text]) -> None:
        if self._widths:
            self.add_row(*(cells[column_key] for column_key in self._widths), key=key)

    def _reorder(self, order: list[str]) -> None:
        # DataTable.sort hands the key function cell values, not row keys; the
        # first column's cell objects are unique per row, so rank them by identity.
        first = next(iter(self._widths))
        rank = {id(self._rows[key][first]): index for index, key in enumerate(order)}
        self.sort(first, key=lambda cell: rank.get(id(cell), len(rank)))

    def _restore_cursor(self, key: str | None) -> None:
        if key is None or not self.row_count:
            return
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            index = min(self.cursor_row, self.row_count - 1)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (negative counts from the end)."""
        if self.row_count:
            self.move_cursor(row=index % self.row_count, animate=False)
