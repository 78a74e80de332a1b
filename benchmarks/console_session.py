"""The real ``jobconsole`` command under a 120x40 pseudo-terminal, driven like an operator over SSH."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from benchmarks.runner import MeasurementError, child_env, jobconsole_command
from benchmarks.terminal import ENTER, PAGE_DOWN, PtySession, focus_pane, focused_pane, run_ids


@contextmanager
def console(jobs_module: str, database_url: str, cwd: Path, **env: str) -> Iterator[PtySession]:
    session = PtySession(
        [*jobconsole_command(), "--jobs", jobs_module, "--db", database_url], env=child_env(**env), cwd=str(cwd)
    )
    try:
        yield session
    finally:
        # "q", then "y"es if it asks because runs are in progress; SIGTERM if it lingers.
        for keys, wait in (("q", 3.0), ("y", 15.0)):
            try:
                session.send(keys)
            except OSError:
                break
            if session.wait_exit(wait):
                break
        session.close()


def wait_for_history(session: PtySession, newest_id: int, rows: int, timeout: float) -> float:
    """Wait until the ``rows`` runs after the newest are on screen; the monotonic time they were drawn.

    The newest row itself is left out: the console's Run column cuts #1000000 to "#10000…".
    """
    wanted = set(range(newest_id - rows, newest_id))
    drawn = session.wait_for(lambda text: wanted <= run_ids(text), timeout)
    if drawn is None:
        raise MeasurementError(
            f"the console did not show runs #{newest_id - rows}…#{newest_id - 1} within {timeout:g} s; "
            f"the screen: {screen_excerpt(session)}"
        )
    return drawn


def focus_history(session: PtySession) -> None:
    # A run table's footer offers "Detail"; the History pane may also hold its (hidden) filter input.
    if not focus_pane(session, "History", "Detail"):
        raise MeasurementError("could not move the focus to the History pane with tab")


HISTORY_TITLES = ("─History", "━History")
"""The History pane's top rule with its title: light, or heavy while it has the focus."""
FAILURE_WORDS = frozenset({"failed", "timed out", "abandoned"})
"""The status words the "failures" filter shows: the statuses whose ``success`` is false."""
NO_MATCH = "No runs match this filter"


@dataclass(frozen=True)
class HistoryRow:
    run_id: int | None
    """None: the id is cut short to fit its column ("#10000…")."""
    status: str
    """The status word: "succeeded", "timed out"."""
    job: str


@dataclass(frozen=True)
class HistoryScreen:
    """The History pane as an operator reads it: its title, and its table's rows top to bottom."""

    title: str
    """"History", "History · skipped · job *B-042*"."""
    rows: tuple[HistoryRow, ...]
    blank_lines: int
    """Lines of the table's body with no run on them."""
    no_match: bool
    """The pane says that no run matches its filters."""

    @property
    def ids(self) -> list[int]:
        return [row.run_id for row in self.rows if row.run_id is not None]

    @property
    def full(self) -> bool:
        """Every line of the table's body shows a run, each with its id whole."""
        return bool(self.rows) and not self.blank_lines and len(self.ids) == len(self.rows)

    @property
    def status_label(self) -> str:
        """The status filter in the title ("all" when there is none)."""
        parts = self.title.split(" · ")[1:]
        return next((part for part in parts if not part.startswith("job *")), "all")


def read_history(lines: Sequence[str]) -> HistoryScreen | None:
    """The History pane on a screen (the bottom pane, down to the footer line); None if it is not there.

    Columns are found by the table's header (Status, Run, Job, Started).
    """
    top = next((y for y, line in enumerate(lines) if line.startswith(HISTORY_TITLES)), None)
    if top is None:
        return None
    title = lines[top][1:].rstrip().rstrip("─━")
    body = lines[top + 1 : len(lines) - 1]
    no_match = any(NO_MATCH in line for line in body)
    header = next((y for y, line in enumerate(body) if all(word in line for word in HEADER_WORDS)), None)
    if header is None:
        return HistoryScreen(title, (), 0, no_match)
    run_at, job_at, started_at = (body[header].index(word) for word in HEADER_WORDS[1:])
    rows, blank = [], 0
    for line in body[header + 1 :]:
        if not line[:started_at].strip():
            blank += 1
            continue
        status = line[:run_at].strip()
        run = line[run_at:job_at].strip()
        rows.append(
            HistoryRow(
                int(run[1:]) if RUN_CELL.fullmatch(run) else None,
                status.split(" ", 1)[-1],  # after its symbol
                line[job_at:started_at].strip(),
            )
        )
    return HistoryScreen(title, tuple(rows), blank, no_match)


HEADER_WORDS = ("Status", "Run", "Job", "Started")
RUN_CELL = re.compile(r"#\d+")


def history_title(status: str | None = None, job_part: str | None = None) -> str:
    """The History pane's title for these filters, as the console writes it."""
    return "History" + (f" · {status}" if status else "") + (f" · job *{job_part}*" if job_part else "")


@dataclass(frozen=True)
class HistoryView:
    """What History should list under its filters: the title, and the runs in order, newest first."""

    status: str | None = None
    """The status word every row shows (None: any status)."""
    job_part: str | None = None
    """What every row's job name contains, in any case (None: any job)."""
    runs: tuple[int, ...] | None = None
    """The runs the filters match, newest first (the newest of them, as many as paging reaches);
    None: every run, so that ids follow one another."""

    @property
    def title(self) -> str:
        return history_title(self.status, self.job_part)

    def shows(self, row: HistoryRow) -> bool:
        return (self.status is None or row.status == self.status) and (
            self.job_part is None or self.job_part.lower() in row.job.lower()
        )

    def in_order(self, ids: Sequence[int]) -> bool:
        """Whether ``ids`` (top to bottom) are an unbroken stretch of the view's runs: no run left out."""
        if not ids:
            return False
        if self.runs is None:
            return list(ids) == list(range(ids[0], ids[0] - len(ids), -1))
        at = self._positions.get(ids[0])
        return at is not None and self.runs[at : at + len(ids)] == tuple(ids)

    def older_than(self, run_id: int) -> int:
        """How many of the view's runs are older than ``run_id``."""
        if self.runs is None:
            return run_id - 1
        return sum(1 for run in self.runs if run < run_id)

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {run: at for at, run in enumerate(self.runs or ())}

    def first_page(self, screen: HistoryScreen | None) -> bool:
        """The screen shows, under the view's title, its newest runs from the top: as many as the table has
        lines (or all of them, if fewer), each with the view's status and job; or, for no runs, says so."""
        if screen is None or screen.title != self.title:
            return False
        if self.runs is not None and not self.runs:
            return screen.no_match
        ids = screen.ids
        if not ids or len(ids) != len(screen.rows) or not all(self.shows(row) for row in screen.rows):
            return False
        if self.runs is not None and (ids[0] != self.runs[0] or not (screen.full or len(ids) == len(self.runs))):
            return False
        return self.in_order(ids)

    def next_block(self, before: HistoryScreen | None, after: HistoryScreen | None) -> bool:
        """``after`` is the next block down from ``before``, completely drawn: every line of the table shows a
        run of the view (under its title), an unbroken stretch of the view's runs that starts below the newest
        run of ``before`` and at most just after its oldest (overlapping it, or following it, none skipped)."""
        if after is None or after.title != self.title or not after.full:
            return False
        ids = after.ids
        if not self.in_order(ids) or not all(self.shows(row) for row in after.rows):
            return False
        if before is None or not before.ids:
            return True
        return ids[0] < before.ids[0] and self._between(ids[0], before.ids[-1]) <= 0

    def _between(self, older: int, newer: int) -> int:
        """How many of the view's runs lie between ``newer`` and ``older`` (negative: ``older`` is the newer)."""
        if self.runs is None:
            return newer - older - 1
        if newer not in self._positions or older not in self._positions:
            return len(self.runs)
        return self._positions[older] - self._positions[newer] - 1


EVERY_RUN = HistoryView()
"""History without filters."""


def history_screen(session: PtySession) -> HistoryScreen | None:
    return session.observe(lambda: read_history(session.screen.display))


def page_down(session: PtySession, view: HistoryView = EVERY_RUN, timeout: float = 5.0) -> float:
    """Press page down in History; seconds until the screen shows the next block of ``view``'s runs,
    completely drawn (see :meth:`HistoryView.next_block`)."""
    before = history_screen(session)
    sent = session.send(PAGE_DOWN)
    drawn = session.wait_for(lambda _text: view.next_block(before, read_history(session.screen.display)), timeout)
    if drawn is None:
        raise MeasurementError(
            f"page down changed nothing on screen within {timeout:g} s (focus: {focused_pane(session)}); "
            f"the screen: {screen_excerpt(session)}"
        )
    return max(drawn - sent, 0.0)


def page_downs(session: PtySession, view: HistoryView, count: int, pause: float = 0.2) -> list[float]:
    """Up to ``count`` page downs, in milliseconds, as long as a full screen of the view's older runs is left
    below (a filter may match fewer runs than that many screens)."""
    times: list[float] = []
    for _ in range(count):
        screen = history_screen(session)
        if screen is None or not screen.ids or view.older_than(screen.ids[-1]) < len(screen.rows):
            break
        times.append(page_down(session, view) * 1000)
        time.sleep(pause)
    return times


def filter_by_status(session: PtySession, view: HistoryView, timeout: float = 60.0, pause: float = 0.5,
                     tries: int = 12) -> float:
    """Press ``f`` until History shows ``view`` (its status filter; its job filter is already set), as an operator
    would: after each press, wait until the pane shows that filter's runs (or says none match), then ``pause``.
    Returns the seconds from the last ``f`` (the key that applied ``view``'s status) to its first page drawn."""
    target = view.status or "all"
    for _ in range(tries):
        shown = history_screen(session)
        before = shown.status_label if shown is not None else None

        def drawn(screen: HistoryScreen | None, before: str | None = before) -> bool:
            if screen is None or screen.status_label == before:
                return False
            if screen.status_label == target:
                return view.first_page(screen)
            return _status_page_drawn(screen, view.job_part)

        sent = session.send("f")
        reached = session.wait_for(lambda _text: drawn(read_history(session.screen.display)), timeout)
        if reached is None:
            raise MeasurementError(
                f"f did not bring the next status filter's page within {timeout:g} s: {screen_excerpt(session)}"
            )
        now = history_screen(session)
        if now is not None and now.status_label == target:
            return max(reached - sent, 0.0)
        time.sleep(pause)
    raise MeasurementError(f"History's title never showed '{target}' after {tries} presses of f")


def _status_page_drawn(screen: HistoryScreen, job_part: str | None) -> bool:
    """History shows the page of the status filter in its title (or says none match)."""
    label = screen.status_label
    if screen.title != history_title(None if label == "all" else label, job_part):
        return False
    if screen.no_match:
        return True
    return bool(screen.rows) and all(
        label == "all" or row.status == label or (label == "failures" and row.status in FAILURE_WORDS)
        for row in screen.rows
    )


def filter_by_job(session: PtySession, view: HistoryView, timeout: float = 60.0) -> float:
    """``/``, type ``view.job_part`` (part of a job name), enter: the seconds from enter to ``view``'s first page
    drawn (its status filter is already set)."""
    part = view.job_part or ""
    session.send("/")
    if session.wait_for(lambda _text: "esc Cancel" in session.screen.display[-1], 10.0) is None:
        raise MeasurementError(f"/ did not open History's filter: {screen_excerpt(session)}")
    session.send(part)
    if session.wait_for(lambda _text: _typed(session.screen.display, part), 10.0) is None:
        raise MeasurementError(f"the filter did not show '{part}' as typed: {screen_excerpt(session)}")
    sent = session.send(ENTER)
    drawn = session.wait_for(lambda _text: view.first_page(read_history(session.screen.display)), timeout)
    if drawn is None:
        raise MeasurementError(
            f"History did not show the first page of '{view.title}' within {timeout:g} s; "
            f"the screen: {screen_excerpt(session)}"
        )
    return max(drawn - sent, 0.0)


def _typed(lines: Sequence[str], part: str) -> bool:
    """The line under History's title (the filter's input) reads ``part``."""
    top = next((y for y, line in enumerate(lines) if line.startswith(HISTORY_TITLES)), None)
    return top is not None and top + 1 < len(lines) and lines[top + 1].strip() == part


ECHO_PROGRAM = """
import os, tty
tty.setraw(0)
os.write(1, b"\\x1b[Hready")
answered = 0
while (key := os.read(0, 64)) and b"q" not in key:
    answered += 1
    os.write(1, b"\\x1b[Hanswer %06d" % answered)
"""
"""Answers each key the moment it arrives: one short line, drawn over the last."""


def terminal_round_trip(samples: int, timeout: float = 5.0) -> list[float]:
    """Milliseconds from a key sent to its answer seen, for a program that answers at once (:data:`ECHO_PROGRAM`):
    what this machine's pseudo-terminals (and this harness) add to every key the console answers."""
    session = PtySession([sys.executable, "-c", ECHO_PROGRAM], columns=40, lines=4)
    try:
        if session.wait_for(lambda text: "ready" in text, timeout) is None:
            raise MeasurementError(f"the echo program did not start: {screen_excerpt(session)}")
        times = []
        for answered in range(1, samples + 1):
            sent = session.send("x")
            seen = session.wait_for(lambda text, n=answered: f"answer {n:06d}" in text, timeout)
            if seen is None:
                raise MeasurementError(f"the echo program did not answer key {answered}: {screen_excerpt(session)}")
            times.append(max(seen - sent, 0.0) * 1000)
            time.sleep(0.05)
        return times
    finally:
        session.send("q")
        session.close()


def settle(seconds: float) -> None:
    time.sleep(seconds)


def screen_excerpt(session: PtySession) -> str:
    """The non-blank lines on screen, joined, for an error message."""
    return " / ".join(line.strip() for line in session.text().splitlines() if line.strip())[:1500]
