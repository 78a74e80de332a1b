"""Run the real ``jobconsole`` command in a child process and read its log."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def jobconsole_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jobconsole", *args]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBCONSOLE_")}
    env.update(extra)
    return env


class Server:
    """``jobconsole --no-ui`` as a child process whose stderr lines can be awaited."""

    def __init__(self, *args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            jobconsole_command("--no-ui", *args),
            cwd=cwd,
            env=clean_env(**(env or {})),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []

    def wait_for_lines(self, needle: str, count: int = 1, timeout: float = 30.0) -> list[str]:
        """Read stderr until ``count`` lines contain ``needle``."""
        assert self.process.stderr is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while True:
            matching = [line for line in self.lines if needle in line]
            if len(matching) >= count:
                return matching
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None and not selector.select(0):
                raise AssertionError(f"expected {count} lines with {needle!r}; got:\n" + "".join(self.lines))
            if selector.select(remaining):
                line = self.process.stderr.readline()
                if line:
                    self.lines.append(line)

    def finish(self, timeout: float = 60.0) -> int:
        """Wait for the process to exit, then collect the rest of its log."""
        assert self.process.stderr is not None
        returncode = self.process.wait(timeout)
        selector = selectors.DefaultSelector()
        selector.register(self.process.stderr, selectors.EVENT_READ)
        while selector.select(0.5):
            line = self.process.stderr.readline()
            if not line:
                break
            self.lines.append(line)
        self.process.stderr.close()
        return returncode
