"""Run the real ``jobconsole`` command in a child process: headless with its log, or the console on a
pseudo-terminal of its own, as an operator's SSH session gives it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def wait_until(probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Poll an observable condition (here: rows in another process's database) until it holds."""
    deadline = time.monotonic() + timeout
    while (value := probe()) is None:
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


def jobconsole_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jobconsole", *args]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBCONSOLE_")}
    env.update(extra)
    return env


class Server:
    """``jobconsole --no-ui`` as a child process whose stderr lines can be awaited.

    A thread reads the log as it comes: the fork server and the process runs inherit stderr, so
    the pipe may stay open a moment after the scheduler itself has exited.
    """

    def __init__(
        self, *args: str, cwd: Path = REPO, env: dict[str, str] | None = None, no_ui: bool = True,
        stdout: Path | None = None,
    ) -> None:
        """``stdout``: a file to keep the scheduler's stdout in (else it is discarded)."""
        with open(stdout or os.devnull, "wb") as out:
            self.process = subprocess.Popen(
                jobconsole_command(*(["--no-ui"] if no_ui else []), *args),
                cwd=cwd,
                env=clean_env(**(env or {})),
                stderr=subprocess.PIPE,
                stdout=out,
                text=True,
            )
        self.lines: list[str] = []
        self._read_all = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._read_all = True
            self._changed.notify_all()

    def wait_for_lines(self, needle: str, count: int = 1, timeout: float = 30.0) -> list[str]:
        """Wait until ``count`` lines of the log contain ``needle``."""

        def matching() -> list[str]:
            return [line for line in self.lines if needle in line]

        with self._changed:
            self._changed.wait_for(lambda: len(matching()) >= count or self._read_all, timeout)
            found = matching()
        if len(found) < count:
            raise AssertionError(f"expected {count} lines with {needle!r}; got:\n" + "".join(self.lines))
        return found

    def finish(self, timeout: float = 60.0) -> int:
        """Wait for the process to exit and for the whole of its log."""
        returncode = self.process.wait(timeout)
        self._reader.join(timeout)
        assert not self._reader.is_alive(), "stderr stayed open after the scheduler exited"
        return returncode


class ConsoleInPty:
    """The console (``jobconsole`` without ``--no-ui``) as the session leader of a pseudo-terminal.

    Everything it draws is read and kept; closing the terminal's other end (``hang_up``) is what an
    SSH server does when the connection drops: the kernel sends SIGHUP.
    """

    def __init__(self, *args: str, env: dict[str, str] | None = None, size: tuple[int, int] = (80, 24)) -> None:
        environment = clean_env(TERM="xterm-256color", **(env or {}))
        self.pid, self._master = pty.fork()
        if self.pid == 0:  # the child: become the console, or report why not
            try:
                os.chdir(REPO)
                os.execve(sys.executable, jobconsole_command(*args), environment)
            finally:
                os._exit(127)
        columns, rows = size
        fcntl.ioctl(self._master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = bytearray()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # A short select, so that hang_up can close the terminal: a read in progress would hold it open.
        while not self._closing.is_set():
            if not select.select([self._master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: the console has exited and the terminal is gone
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def hang_up(self) -> None:
        """Close the terminal, as sshd does when the connection drops."""
        self._closing.set()
        self._reader.join()
        os.close(self._master)
        self._master = -1

    def finish(self, timeout: float = 60.0) -> int:
        """Wait for the console to exit and return its exit code (-N if signal N ended it)."""
        pidfd = os.pidfd_open(self.pid)
        try:
            assert select.select([pidfd], [], [], timeout)[0], f"the console did not exit within {timeout} s"
        finally:
            os.close(pidfd)
        _, status = os.waitpid(self.pid, 0)
        if self._master >= 0:
            self.hang_up()
        return os.waitstatus_to_exitcode(status)
