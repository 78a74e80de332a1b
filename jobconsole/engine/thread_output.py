"""A thread run's output: what its job logs and prints on its own thread, kept with that run alone.

Thread runs share the scheduler's process, so there is no file descriptor of
their own to capture. Instead, while a scheduler runs, two things are
installed (once per process, however many schedulers run in it):

- a logging handler on the root logger, which formats each record emitted on
  a thread that is running a job (``HH:MM:SS LEVEL logger: message``, UTC)
  into that run's :class:`~jobconsole.engine.output.OutputCapture`; records
  from other threads pass it by, and every record still reaches the
  application's own handlers;
- a proxy for ``sys.stdout``, which sends what a job's thread prints to its
  run, and everything else to the stream it replaced. So a job's prints never
  land on a headless scheduler's stdout or on the console's terminal.

What a job writes from threads it starts itself, or to ``sys.stdout.buffer``,
is not captured; nor is ``sys.stderr``: logging's handlers (and its
``lastResort``) write there, and a proxy would swallow the scheduler's own log
lines emitted on a job's thread, or capture them twice. A job that prints to
stderr still reaches the scheduler's stderr, as before.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any, TextIO

from jobconsole.engine.output import OutputCapture, run_log_formatter

_current = threading.local()
"""``capture``: the OutputCapture of the run the current thread is running, if any."""


def _capture_here() -> OutputCapture | None:
    return getattr(_current, "capture", None)


class capturing:
    """``with capturing(capture):`` what the calling thread logs and prints in the block goes to ``capture``.

    A class rather than ``@contextmanager``: it is entered for every thread run, and a generator
    costs about 2 µs a run, this a few tenths.
    """

    __slots__ = ("_capture", "_previous")

    def __init__(self, capture: OutputCapture) -> None:
        self._capture = capture
        self._previous: OutputCapture | None = None

    def __enter__(self) -> None:
        self._previous = _capture_here()
        _current.capture = self._capture

    def __exit__(self, *_exc: object) -> None:
        _current.capture = self._previous


class RunLogHandler(logging.Handler):
    """Formats records emitted on a job's thread into its run's output; ignores the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(run_log_formatter())

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: a record from another thread costs one attribute lookup, and the
        # capture is written by its own run's thread (it has a lock of its own).
        capture = _capture_here()
        if capture is not None and self.filter(record):
            try:
                capture.write_text(self.format(record) + "\n")
            except Exception:
                self.handleError(record)
        self._stand_in_for_last_resort(record)
        return capture is not None

    def _stand_in_for_last_resort(self, record: logging.LogRecord) -> None:
        """Logging writes a record no handler takes to stderr (``logging.lastResort``); this handler on the
        root logger would count as one. So where it is the only one, it passes such records on, and an
        application that never configured logging still sees its warnings."""
        last_resort = logging.lastResort
        root = logging.getLogger()
        if last_resort is None or record.levelno < last_resort.level or len(root.handlers) != 1:
            return
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if logger is not root and logger.handlers:
                return
            logger = logger.parent if logger.propagate else None
        last_resort.handle(record)


class _ThreadAwareStdout:
    """Stands in for ``sys.stdout``: a job thread's writes go to its run, every other write to ``original``."""

    def __init__(self, original: TextIO) -> None:
        self.original = original

    def write(self, text: str) -> int:
        capture = _capture_here()
        if capture is None:
            return self.original.write(text)
        capture.write_text(text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if _capture_here() is None:
            self.original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class _Installed:
    """What :func:`install` put in place, and for how many schedulers."""

    lock = threading.Lock()
    users = 0
    handler: RunLogHandler | None = None
    stdout: _ThreadAwareStdout | None = None


def install() -> None:
    """Capture thread runs' output from now on (a scheduler starting); see :func:`uninstall`."""
    with _Installed.lock:
        _Installed.users += 1
        if _Installed.users > 1:
            return
        _Installed.handler = RunLogHandler()
        logging.getLogger().addHandler(_Installed.handler)
        if sys.stdout is not None:
            _Installed.stdout = _ThreadAwareStdout(sys.stdout)
            sys.stdout = _Installed.stdout  # type: ignore[assignment]


def uninstall() -> None:
    """Undo :func:`install` once the last scheduler that asked for it has stopped.

    ``sys.stdout`` is put back only if it is still the proxy: whoever replaced it
    since (a Textual app ending, say) has put back what it wanted.
    """
    with _Installed.lock:
        if _Installed.users == 0:
            return
        _Installed.users -= 1
        if _Installed.users:
            return
        if _Installed.handler is not None:
            logging.getLogger().removeHandler(_Installed.handler)
            _Installed.handler = None
        if _Installed.stdout is not None:
            if sys.stdout is _Installed.stdout:
                sys.stdout = _Installed.stdout.original
            _Installed.stdout = None
