"""Naming this process so that another process on the same machine can tell whether it still runs.

A lease holder is written down as ``<boot id>/<pid namespace>/<pid>``. A
standby that finds the same boot id and pid namespace (the same machine since
its last boot, and the same container, if any) and no process with that pid
knows the holder is gone and takes over at once; anywhere else it must wait
for the lease to lapse. A pid reused by another process only makes it wait.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def _machine() -> str:
    """This boot of this machine and this pid namespace; empty where Linux's /proc does not say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def process_key(pid: int | None = None) -> str:
    """This process (or ``pid`` on this machine), for :func:`is_gone` elsewhere to check."""
    machine = _machine()
    return f"{machine}/{os.getpid() if pid is None else pid}" if machine else ""


_ENDED_HERE: set[str] = set()


def note_ended(instance: str) -> None:
    """A scheduler of this process has shut down: another one of this process may take its lease at once."""
    _ENDED_HERE.add(instance)


def is_gone(key: str, instance: str) -> bool:
    """True only when ``key`` names a process of this machine and namespace that no longer runs,
    or this process, whose scheduler ``instance`` has shut down."""
    machine, _, pid_text = key.rpartition("/")
    if not machine or machine != _machine() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return instance in _ENDED_HERE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # A zombie (killed, not yet reaped by its parent) runs nothing.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"
