"""A program under a pseudo-terminal, as over SSH: fixed size, every byte it writes counted.

:class:`PtySession` starts a command on a new pty of the given size (as its
controlling terminal), reads everything the program writes on a thread,
time-stamps each chunk, and feeds it to a ``pyte`` screen so that the
benchmark can ask what is on the screen now, like an operator looking at it.

It answers Textual's question whether the terminal supports synchronized
output with yes, as most terminals do today; Textual then brackets each frame
(``CSI ? 2026 h`` … ``CSI ? 2026 l``), and the screen is only looked at
between frames, never half drawn.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import pyte

T = TypeVar("T")

PAGE_DOWN = "\x1b[6~"
TAB = "\t"
ENTER = "\r"

SYNC_QUERY = b"\x1b[?2026$p"
"""DECRQM for synchronized output (mode 2026): Textual asks whether the terminal has it."""
SYNC_REPLY = b"\x1b[?2026;2$y"
"""Supported (and reset), as most terminals people SSH from answer."""
SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"

SWITCH_INTERVAL = 0.0005
"""How often this process's threads take turns while a session is open (Python's default: 5 ms).

The reader thread needs the interpreter to take a chunk's arrival time; with the default,
it waited up to 5 ms for the parser thread, busy with the frame before (pyte is pure
Python), and a page down measured up to 5 ms slower than the console drew it.
"""


class PtySession:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 120,
        lines: int = 40,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.columns, self.lines = columns, lines
        self.screen = pyte.Screen(columns, lines)
        self._stream = pyte.Stream(self.screen)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.lock = threading.Condition()
        self.chunks: list[tuple[float, int]] = []
        """(time.monotonic(), bytes) of every read from the terminal."""
        self.total_bytes = 0
        self.started_at = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: only exec, which is safe after fork in a threaded parent
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
                # Programs believe COLUMNS and LINES over the terminal; make them agree with it.
                child_env = {**(env if env is not None else os.environ), "COLUMNS": str(columns), "LINES": str(lines)}
                if cwd is not None:
                    os.chdir(cwd)
                os.execvpe(argv[0], list(argv), child_env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.exit_status: int | None = None
        self._inbox: list[tuple[float, bytes]] = []
        self._inbox_ready = threading.Condition()
        self._closed = False
        self._parsed_at = self.started_at
        self._scan_tail = b""
        self._frame_tail = b""
        self._in_frame = False
        self._answered = False
        # Reading and parsing are separate threads so that a chunk's arrival time is taken when it
        # arrives, not after pyte (pure Python) has worked through the chunks before it.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._parser = threading.Thread(target=self._parse, name="pty-parser", daemon=True)
        self._reader.start()
        self._parser.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.5)
                if not ready:
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            if data:
                self._answer_queries(data)
            with self._inbox_ready:
                if not data:
                    self._closed = True
                else:
                    self._inbox.append((now, data))
                    self.chunks.append((now, len(data)))
                    self.total_bytes += len(data)
                self._inbox_ready.notify()
            if not data:
                return

    def _answer_queries(self, data: bytes) -> None:
        seen = self._scan_tail + data
        if not self._answered and SYNC_QUERY in seen:
            self._answered = True
            os.write(self.fd, SYNC_REPLY)
        self._scan_tail = seen[-16:]

    def _parse(self) -> None:
        while True:
            with self._inbox_ready:
                while not self._inbox and not self._closed:
                    self._inbox_ready.wait()
                batch, self._inbox = self._inbox, []
                closed = self._closed
            for arrived, data in batch:
                with self.lock:
                    self._track_frames(data)
                    self._stream.feed(self._decoder.decode(data))
                    self._parsed_at = arrived
                    self.lock.notify_all()
            if closed and not batch:
                with self.lock:
                    self.lock.notify_all()
                return

    def _track_frames(self, data: bytes) -> None:
        seen = self._frame_tail + data
        opened, closed = seen.rfind(SYNC_START), seen.rfind(SYNC_END)
        if opened != closed:  # both -1: no marker, the state stands
            self._in_frame = opened > closed
        self._frame_tail = seen[-16:]

    # --- looking at the screen ---------------------------------------------------------------

    def text(self) -> str:
        """The screen as it is now (possibly in the middle of a frame)."""
        with self.lock:
            return "\n".join(self.screen.display)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float) -> float | None:
        """Wait until ``predicate(screen text)`` holds between frames; the monotonic time of the chunk that made it so.

        If it holds already, that is the time of the latest chunk.
        """
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                if not self._in_frame and predicate("\n".join(self.screen.display)):
                    return self._parsed_at
                left = deadline - time.monotonic()
                if left <= 0 or not self._parser.is_alive():
                    return None
                self.lock.wait(left)

    def observe(self, look: Callable[[], T], timeout: float = 5.0) -> T:
        """``look()`` at the screen between frames (waiting up to ``timeout`` for one to end)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self._in_frame and self._parser.is_alive() and (left := deadline - time.monotonic()) > 0:
                self.lock.wait(left)
            return look()

    def bytes_between(self, start: float, end: float) -> int:
        with self._inbox_ready:
            return sum(size for at, size in self.chunks if start <= at < end)

    # --- typing ------------------------------------------------------------------------------

    def send(self, keys: str) -> float:
        """Type ``keys``; return the monotonic time they were written."""
        sent = time.monotonic()
        os.write(self.fd, keys.encode())
        return sent

    # --- the process -------------------------------------------------------------------------

    def peak_rss_kib(self) -> int | None:
        """The program's peak resident set size so far (VmHWM), in KiB."""
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):  # the program has exited
            return None
        return None

    def wait_exit(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for the program to exit; True if it has."""
        deadline = time.monotonic() + timeout
        while self.exit_status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = status
                break
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """End the program if it is still running (SIGTERM, then SIGKILL) and close the terminal."""
        for signum in (signal.SIGTERM, signal.SIGKILL):
            if self.wait_exit(0):
                break
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass
            self.wait_exit(5.0)
        self._reader.join(2.0)
        self._parser.join(2.0)
        try:
            os.close(self.fd)
        except OSError:
            pass
        sys.setswitchinterval(self._switch_interval)


RUN_ID = re.compile(r"#(\d+)(?=\s|$)")


def run_ids(text: str) -> set[int]:
    """The run ids ("#1234") on the screen; an id cut short to fit its column ("#10000…") is not one."""
    return {int(match) for match in RUN_ID.findall(text)}


PANES = ("Upcoming", "Running", "History")


FOCUSED_RULE = "━"
"""The focused pane's top rule (console.tcss); the others' is "─"."""


def focused_pane(session: PtySession) -> str | None:
    """The pane whose top rule is heavy, or whose title is drawn in the accent colour (the other titles share one)."""
    return session.observe(lambda: focused_pane_unlocked(session))


def focus_pane(session: PtySession, name: str, footer_word: str, tries: int = 6, timeout: float = 30.0) -> bool:
    """Press tab until pane ``name`` has the focus and the footer (bottom line) shows ``footer_word``.

    The footer word tells a table inside the pane from anything else in it that can take focus.
    The next tab goes only once the screen shows the focus has left the pane it was in: a tab sent
    while an earlier one is still on its way would carry the focus past ``name``.
    """
    for _ in range(tries):
        current = session.observe(lambda: focused_pane_unlocked(session), timeout)
        if current == name:
            return session.wait_for(lambda _text: footer_word in session.screen.display[-1], timeout) is not None
        session.send(TAB)
        session.wait_for(lambda _text, current=current: focused_pane_unlocked(session) not in (current, None), timeout)
    return False


def focused_pane_unlocked(session: PtySession) -> str | None:
    """:func:`focused_pane` for use where the session's lock is held (``wait_for``, ``observe``).

    The focused pane's top rule is heavy (``━History``); failing that, its title has the odd colour.
    """
    colours: dict[str, str] = {}
    for y, line in enumerate(session.screen.display):
        for name in PANES:
            if line.startswith(FOCUSED_RULE + name):
                return name
            if line.startswith("─" + name):
                colours[name] = session.screen.buffer[y][1].fg
    counts: dict[str, int] = {}
    for colour in colours.values():
        counts[colour] = counts.get(colour, 0) + 1
    odd = [name for name, colour in colours.items() if counts[colour] == 1]
    return odd[0] if len(odd) == 1 else None
