"""Job functions used by the engine tests. Module-level, so process runs can pickle them."""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
import time
from pathlib import Path

from jobconsole import JobResult


def succeed(stop_event) -> JobResult:
    return JobResult(success=True, lines_added=3, lines_processed=7, message="all good")


def return_none(stop_event) -> None:
    return None


def report_failure(stop_event) -> JobResult:
    return JobResult(success=False, error=ValueError("partner feed had 3 bad rows"))


def parse_row(row: str) -> int:
    return int(row)  # RAISE-LINE


def raise_error(stop_event) -> JobResult:
    parse_row("not a number")
    return JobResult(success=True)


def exit_with_code_3(stop_event) -> None:
    os._exit(3)


def segfault(stop_event) -> None:
    ctypes.string_at(0)


def honour_stop_event(stop_event) -> JobResult:
    """Wait for the stop event (at most a minute), then report that it stopped."""
    stopped = stop_event.wait(60)
    return JobResult(success=not stopped, error="stopped early" if stopped else None)


def busy_loop_with_grandchild(pid_file: str, stop_event) -> None:
    """Ignore stop_event, start a long-lived grandchild, and spin. Writes both pids to ``pid_file``."""
    grandchild = subprocess.Popen(["sleep", "1000"])
    Path(pid_file).write_text(f"{os.getpid()} {grandchild.pid}")
    while True:
        time.time()


class LockedResourceError(Exception):
    """An exception that holds a lock, so it cannot be pickled."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


def return_unpicklable_error(stop_event) -> JobResult:
    return JobResult(success=False, error=LockedResourceError("vendor API held the lock"), lines_processed=5)


def chatty(stop_event) -> None:
    print("hello from the child")
    import sys

    print("and on stderr", file=sys.stderr)


class HostileError(Exception):
    """An exception that cannot even be described: its str() and repr() raise."""

    def __str__(self) -> str:
        raise RuntimeError("str() refused")

    def __repr__(self) -> str:
        raise RuntimeError("repr() refused")


def raise_hostile(stop_event) -> None:
    raise HostileError()


def return_unprintable_result(stop_event) -> JobResult:
    return JobResult(success=False, error=HostileError(), message="\x00partial\x1b[2J batch")


def fail_with_a_huge_traceback(stop_event) -> None:
    raise ValueError("x" * 200_000)


def detach_a_daemon(pid_file: str, then_spin: bool, stop_event) -> JobResult:
    """Start a process that leaves the run's group and session (``setsid -f``, as a daemon does), write
    its pid to ``pid_file``, then return at once or (``then_spin``) ignore stop_event and spin."""
    subprocess.run(["setsid", "-f", "sh", "-c", f'echo $$ > "{pid_file}.tmp" && mv "{pid_file}.tmp" "{pid_file}" && exec sleep 1000'],
                   check=True)
    while not Path(pid_file).exists():
        time.sleep(0.01)
    while then_spin:
        time.time()
    return JobResult(success=True)


def ignore_sigterm_and_spin(stop_event) -> None:
    """Print a line to stdout and one to stderr, then ignore SIGTERM and spin: only SIGKILL ends it."""
    import signal
    import sys

    print("working on batch 1")
    print("batch 1 is slow", file=sys.stderr)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.time()


def kill_myself_with_sigkill(stop_event) -> None:
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def write_every_way(stop_event) -> None:
    """Output by every route a job has: print to stdout and stderr, the descriptor itself, a program it
    starts, and logging."""
    import logging
    import sys

    print("printed to stdout")
    print("printed to stderr", file=sys.stderr)
    os.write(1, b"written to descriptor 1\n")
    subprocess.run(["echo", "echoed by a subprocess"], check=True)
    logging.getLogger("tests.feed").warning("logged by the job")


HUGE_OUTPUT_BYTES = 10 * 1024 * 1024


def write_10_mb(stop_event) -> None:
    """Exactly HUGE_OUTPUT_BYTES to descriptor 1: HEAD-MARK, numbered lines, TAIL-MARK."""
    body = HUGE_OUTPUT_BYTES - 20
    lines = b"".join(b"%08d " % number + b"x" * 90 + b"\n" for number in range(body // 100 + 1))
    os.write(1, b"HEAD-MARK\n")
    view = memoryview(lines)[:body]
    while view:
        view = view[os.write(1, view[:1 << 20]):]
    os.write(1, b"TAIL-MARK\n")


def ignore_sigterm_then_say_so(ready_file: str, stop_event) -> None:
    """Ignore SIGTERM, then create ``ready_file``, then spin: only SIGKILL ends it."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    Path(ready_file).touch()
    while True:
        time.time()
