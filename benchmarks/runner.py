"""Starting the measurement processes: each in a fresh interpreter, in a scratch directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent

T = TypeVar("T")


class MeasurementError(RuntimeError):
    """A measurement process failed; the message ends with the tail of its stderr."""


def child_env(**extra: str) -> dict[str, str]:
    """The environment for measured programs: this repo importable, a plain SSH-like terminal."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env["TERM"] = "xterm-256color"
    # An SSH session does not forward these by default.
    for name in ("COLORTERM", "NO_COLOR", "TEXTUAL", "JOBCONSOLE_SMTP_HOST"):
        env.pop(name, None)
    env.update(extra)
    return env


def run_worker(module: str, kind: str, args: dict[str, Any], timeout: float = 600.0) -> dict[str, Any]:
    """Run ``python -m module kind 'args'`` in a scratch directory and return the JSON it prints last."""
    scratch = tempfile.mkdtemp(prefix="jobconsole-bench-")
    try:
        completed = subprocess.run(
            [sys.executable, "-m", module, kind, json.dumps(args)],
            cwd=scratch,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        tail = "\n".join(completed.stderr.strip().splitlines()[-8:])
        raise MeasurementError(f"{module} {kind} {args} exited with {completed.returncode}:\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def jobconsole_command() -> list[str]:
    """The installed ``jobconsole`` command, or the same entry point through this Python."""
    found = shutil.which("jobconsole")
    return [found] if found else [sys.executable, "-m", "jobconsole.cli"]


def run_all(tasks: Sequence[Callable[[], T]], parallel: bool) -> list[T | Exception]:
    """Run ``tasks`` one after another (or side by side); a task's exception is its result."""

    def guarded(task: Callable[[], T]) -> T | Exception:
        try:
            return task()
        except Exception as error:  # noqa: BLE001 - reported in the table, the other parts go on
            return error

    if not parallel:
        return [guarded(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=len(tasks) or 1) as pool:
        return list(pool.map(guarded, tasks))
