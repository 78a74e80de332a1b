"""Job functions for process runs, and the bare child for the start-method floor.

They live in an importable module so that the fork server preloads them, as
it does an application's jobs module.
"""

from __future__ import annotations

import os
import subprocess
import time
from multiprocessing.connection import Connection

MARKS_ENV = "JOBCONSOLE_BENCH_MARKS"
"""File each ``note_start`` run appends a line to: its body start time, pid and process group."""

HANG_MARKS_ENV = "JOBCONSOLE_BENCH_HANG_MARKS"
"""File each ``hang`` run appends a line to: its start time, pid, process group and grandchild's pid.

Apart from ``MARKS_ENV``: the periodic ``note_start`` runs go on while ``hang`` runs are measured.
"""


def note_start(_stop_event: object) -> None:
    """A trivial process job: note when its body started."""
    started = time.time()
    with open(os.environ[MARKS_ENV], "a", encoding="ascii") as marks:
        marks.write(f"{started!r} {os.getpid()} {os.getpgrp()}\n")


def hang(_stop_event: object) -> None:
    """A job that ignores its stop_event, with a grandchild in its process group, until it is ended."""
    sleeper = subprocess.Popen(["sleep", "3600"])
    with open(os.environ[HANG_MARKS_ENV], "a", encoding="ascii") as marks:
        marks.write(f"{time.time()!r} {os.getpid()} {os.getpgrp()} {sleeper.pid}\n")
    time.sleep(3600)


def report_start(connection: Connection) -> None:
    """The floor: a child that only sends back the moment it began to run Python code of ours."""
    connection.send(time.time())
    connection.close()
