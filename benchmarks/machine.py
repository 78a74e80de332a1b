"""What the figures were measured on: versions and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.runner import REPO


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return completed.stdout.strip() or "unknown"


def describe() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "jobconsole": _version("jobconsole"),
        "commit": _commit(),
        "apscheduler": _version("APScheduler"),
        "schedule": _version("schedule"),
        "sqlalchemy": _version("SQLAlchemy"),
        "textual": _version("textual"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def markdown(info: dict[str, Any]) -> str:
    return (
        f"jobconsole {info['jobconsole']} ({info['commit']}), APScheduler {info['apscheduler']}, "
        f"schedule {info['schedule']}, SQLAlchemy {info['sqlalchemy']}, Textual {info['textual']}, "
        f"{info['implementation']} {info['python']} · {info['cores']} cores, {info['cpu']}, Linux {info['kernel']} · "
        f"load average at start {', '.join(str(x) for x in info['load_average_at_start'])} · {info['when']}"
    )
