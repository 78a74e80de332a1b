"""A run's output as it comes, kept within a cap: its head and its tail, and how much was cut between.

Process runs feed it the bytes their stdout and stderr carry; thread runs the
lines their job logs and prints (see :mod:`jobconsole.engine.thread_output`).
What it gives back always fits a text column: decoded as UTF-8 with
replacement characters for what is not, without NUL (PostgreSQL's text
refuses it), so no output can cost a run its record.
"""

from __future__ import annotations

import codecs
import logging
import threading
import time

OUTPUT_HEAD_BYTES = 32 * 1024
"""Bytes kept of the start of a run's output."""
OUTPUT_TAIL_BYTES = 32 * 1024
"""Bytes kept of the end of a run's output; what lies between the head and the tail is cut, visibly."""

_CONTINUATION = range(0x80, 0xC0)


def run_log_formatter() -> logging.Formatter:
    """How a run's log records read in its output, in thread and process runs alike:
    ``HH:MM:SS LEVEL logger: message``, the time in UTC like every time jobconsole shows."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    formatter.converter = time.gmtime
    return formatter


class OutputCapture:
    """One run's output so far, capped.

    Written by the thread that runs (or watches) the run's body; read when the
    run ends, by that thread, or by the engine loop when it gives up on a run
    at shutdown: hence the lock, which nothing else shares.
    """

    __slots__ = ("_lock", "_head", "_tail", "_total")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._head = bytearray()
        self._tail = bytearray()
        """Everything after the head; trimmed to its last OUTPUT_TAIL_BYTES once it holds twice that."""
        self._total = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        with self._lock:
            self._total += len(data)
            room = OUTPUT_HEAD_BYTES - len(self._head)
            if room > 0:
                self._head += data[:room]
                data = data[room:]
            if data:
                tail = self._tail
                tail += data
                if len(tail) > 2 * OUTPUT_TAIL_BYTES:
                    del tail[:-OUTPUT_TAIL_BYTES]

    def write_text(self, text: str) -> None:
        # backslashreplace: a lone surrogate (from a file name, say) cannot be encoded otherwise.
        self.write(text.encode("utf-8", "backslashreplace"))

    @property
    def total_bytes(self) -> int:
        return self._total

    def text(self) -> str | None:
        """The output as stored: whole if it fits, else the head, a line saying how much was cut, the tail.
        None if there was none."""
        if not self._total:
            return None
        with self._lock:
            total, head, tail = self._total, bytes(self._head), bytes(self._tail)
        if total == 0:
            return None
        if total <= OUTPUT_HEAD_BYTES + OUTPUT_TAIL_BYTES:
            return _decoded(head + tail)
        tail = tail[-OUTPUT_TAIL_BYTES:]
        # Cut on character boundaries: a character split by the cut is cut whole.
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        head_text = decoder.decode(head, final=False)
        kept_head = len(head) - len(decoder.getstate()[0])
        skip = 0
        while skip < min(3, len(tail)) and tail[skip] in _CONTINUATION:
            skip += 1
        tail = tail[skip:]
        cut = total - kept_head - len(tail)
        newline = "" if head_text.endswith("\n") else "\n"
        return _without_nul(f"{head_text}{newline}… {cut:,} bytes cut …\n{_decoded(tail)}")


def _decoded(data: bytes) -> str:
    return _without_nul(data.decode("utf-8", "replace"))


def _without_nul(text: str) -> str:
    return text.replace("\x00", "") if "\x00" in text else text
