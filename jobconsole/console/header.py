"""The one-line header: scheduler state, database, counts, DEMO and the clock."""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from jobconsole.console.formatting import Palette
from jobconsole.console.sanitize import strip_control
from jobconsole.interface import EngineSnapshot, EngineState

_STATE_TONES = {
    EngineState.STARTING: "warning",
    EngineState.RUNNING: "success",
    EngineState.STOPPING: "warning",
    EngineState.STOPPED: "error",
}


HOST = socket.gethostname().split(".")[0]
"""Where this console runs: an operator with a window per server tells them apart by it."""

ATTACHED = 1.5
"""The attached scheduler's place among the header's segments: kept after the failures, before the counts."""


class HeaderBar(Widget):
    """Shows the latest snapshot; repaints only when what it shows changed."""

    DEFAULT_CLASSES = "header-bar"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._snapshot: EngineSnapshot | None = None
        self._now: datetime | None = None
        self._palette = Palette({})
        self._shown: tuple[object, ...] = ()

    def show(self, snapshot: EngineSnapshot | None, now: datetime, palette: Palette) -> None:
        shown = None
        if snapshot is not None:
            shown = (
                snapshot.state,
                snapshot.database,
                snapshot.demo,
                len(snapshot.jobs),
                len(snapshot.running),
                snapshot.failures_24h,
                snapshot.store_ok,
                snapshot.pending_records,
                snapshot.attached_to,
                snapshot.read_only,
            )
        key = (shown, now.date(), id(palette))
        if key == self._shown:
            return
        self._shown = key
        self._snapshot, self._now, self._palette = snapshot, now, palette
        self.refresh()

    def render(self) -> Text:
        width = self.size.width
        palette = self._palette
        narrow = width < 100
        right = Text(no_wrap=True, end="")
        if self._now is not None:
            right.append(HOST, style=palette.tone("muted"))
        left = Text(no_wrap=True, end="")
        if not narrow:
            left.append(" jobconsole ", style="bold")
        snapshot = self._snapshot
        if snapshot is None:
            left.append(" connecting…", style=palette.tone("muted"))
            return _spread(left, right, width)
        if snapshot.demo:
            left.append(" DEMO ", style=Style(reverse=True, bold=True) + palette.tone("warning"))
        left.append(f" ● {snapshot.state.value}", style=palette.tone(_STATE_TONES[snapshot.state]))
        if snapshot.read_only:
            left.append("  READ-ONLY", style=palette.tone("warning") + Style(bold=True))
        if not snapshot.store_ok:
            # An outage is never truncated away: it is what the operator most needs to see.
            left.append(
                f"  ⚠ DB unreachable — {snapshot.pending_records} records buffered",
                style=palette.tone("error") + Style(bold=True),
            )
        # Shown in this order, kept by priority while they fit: failures first, the database last.
        segments: list[tuple[float, Text]] = [
            (3, Text(f"  {len(snapshot.jobs)} jobs")),
            (2, Text(f"  {len(snapshot.running)} running", style=palette.tone("running") if snapshot.running else "")),
            (
                1,
                Text(
                    f"  {snapshot.failures_24h} failures/24h",
                    style=palette.tone("error") if snapshot.failures_24h else palette.tone("muted"),
                ),
            ),
        ]
        if snapshot.attached_to is not None:
            # Attached to a scheduler in another process: which one matters more than the counts (the panes
            # show them) and the database's name.
            segments.insert(
                0, (ATTACHED, Text(f"  ⇄ {strip_control(snapshot.attached_to)}", style=palette.tone("muted")))
            )
        elif snapshot.store_ok:
            label = strip_control(short_database(snapshot.database) if narrow else snapshot.database)
            segments.insert(0, (4, Text(f"  {label}", style=palette.tone("muted"))))
        room = width - cell_len(left.plain) - cell_len(right.plain) - 2
        kept: set[float] = set()
        for priority, segment in sorted(segments, key=lambda item: item[0]):
            if priority in (4, ATTACHED) and room >= 10:
                segment.truncate(min(room, cell_len(segment.plain)), overflow="ellipsis")
            if cell_len(segment.plain) <= room:
                kept.add(priority)
                room -= cell_len(segment.plain)
        for priority, segment in segments:
            if priority in kept:
                left.append_text(segment)
        return _spread(left, right, width)


class HeaderClock(Widget):
    """The time to the second, at the header's right end: a widget of its own, so that the second
    ticking redraws these few cells, not the whole header line (bandwidth over SSH)."""

    DEFAULT_CLASSES = "header-bar"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now: datetime | None = None

    def show(self, now: datetime) -> None:
        second = now.replace(microsecond=0)
        if second != self._now:
            self._now = second
            self.refresh()

    def render(self) -> Text:
        shown = "" if self._now is None else self._now.strftime("%H:%M:%S %Z").strip()
        return Text(f" {shown} ", style="bold", no_wrap=True, end="")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(" 00:00:00 UTC ")


def short_database(label: str) -> str:
    """``pg db.internal/jobs`` for a server URL, ``sqlite jobconsole.db`` for a file."""
    parts = urlsplit(label)
    backend = parts.scheme.split("+")[0]
    if backend == "sqlite":
        return f"sqlite {PurePosixPath(parts.path).name or ':memory:'}"
    if not parts.scheme:
        return label
    backend = "pg" if backend.startswith("postgres") else backend
    try:
        host = parts.hostname or ""
    except ValueError:
        host = ""
    return f"{backend} {host}{parts.path}"


def _spread(left: Text, right: Text, width: int) -> Text:
    """``left`` at the left edge, ``right`` at the right edge, cut to ``width``."""
    gap = width - cell_len(left.plain) - cell_len(right.plain) - 1
    line = left.copy()
    line.append(" " * max(gap, 1))
    line.append_text(right)
    line.append(" ")
    line.truncate(width, overflow="ellipsis")
    return line
