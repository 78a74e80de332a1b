"""The nine parts of the benchmark, in the issue's order; each returns its tables and raw results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.report import Table
from benchmarks.settings import Settings


@dataclass
class PartResult:
    tables: list[Table] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


Part = Callable[[Settings], PartResult]


def parts() -> dict[str, Part]:
    from benchmarks.parts import attach, burst, failover, history, idle, lateness, process, purge, ssh

    return {
        "lateness": lateness.run,
        "burst": burst.run,
        "process": process.run,
        "idle": idle.run,
        "history": history.run,
        "ssh": ssh.run,
        "failover": failover.run,
        "attach": attach.run,
        "purge": purge.run,
    }
