"""Every process a process run started, however it detached, ends with the run.

A run's child leads a process group of its own, and ending the group ends
what the job started in the ordinary way. A descendant that called
``setsid`` (a daemon, ``setsid -f``, a double fork) has left the group; to
keep it from escaping, the run's child makes itself a *child subreaper*
(Linux ``PR_SET_CHILD_SUBREAPER``): an orphan among its descendants is
re-parented to it instead of to init, so every descendant stays in the tree
under the run's child for as long as that child lives. Ending the run then
means ending that tree: :func:`kill_tree` walks it through ``/proc``, stops
every process in it (so none forks while it is being walked), and kills them.
"""

from __future__ import annotations

import ctypes
import os
import signal
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants; False where the system has no such thing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """Each process's parent, from /proc (processes that end meanwhile are skipped)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    """The processes below ``root``, nearest first."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = [child for pid in frontier for child in children.get(pid, ())]
        found.extend(below)
        frontier = below
    return found


def kill_tree(root: int) -> int:
    """SIGKILL every descendant of ``root`` (not ``root`` itself); how many were found.

    Each is first stopped, and the tree walked again until no new process
    appears, so that none can fork a new one between the walk and the kill.
    """
    seen: set[int] = set()
    for _ in range(10):
        new = [pid for pid in descendants(root) if pid not in seen]
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        seen.update(new)
    for pid in seen:
        _signal(pid, signal.SIGKILL)
    return len(seen)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def reap_children() -> None:
    """Collect the exit status of this process's ended children (orphans it adopted as subreaper)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
