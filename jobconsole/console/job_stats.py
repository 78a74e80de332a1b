"""Each job's statistics as the console knows them, and the mark of an unusually slow run.

A run slower than twice its job's p95 duration (see :class:`~jobconsole.runs.JobStats`)
is marked ``▲`` in the warning tone, in Running's elapsed and History's took
cells. The panes never wait for statistics: :class:`JobStatsCache` fetches them
in a thread worker for the jobs on screen, each at most once a minute, and a
job whose statistics have not come yet is simply not marked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial

from rich.text import Text
from textual.app import App
from textual.dom import DOMNode

from jobconsole.console.formatting import Palette, plain
from jobconsole.console.workers import deliver
from jobconsole.interface import SchedulerInterface
from jobconsole.runs import JobStats

SLOW_MARK = "▲"

REFRESH_SECONDS = 60.0
"""A job's statistics are asked for again at most this often (they move slowly: the last 100 runs)."""


class JobStatsCache:
    """The statistics of the jobs the console has shown; read and changed on the app's thread only."""

    def __init__(
        self,
        app: App[object],
        scheduler: SchedulerInterface,
        *,
        on_change: Callable[[], object] = lambda: None,
        refresh_seconds: float = REFRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._scheduler = scheduler
        self._on_change = on_change
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._stats: dict[str, JobStats] = {}
        self._asked_at: dict[str, float] = {}
        """When each job's statistics were last asked for, answered or not (a failure waits its turn too)."""
        self.version = 0
        """Grows whenever a job's slow threshold changes: cells made before may be marked wrongly."""

    def get(self, job_name: str) -> JobStats | None:
        return self._stats.get(job_name)

    def is_slow(self, job_name: str, seconds: float) -> bool:
        stats = self._stats.get(job_name)
        return stats is not None and stats.is_slow(seconds)

    def want(self, job_names: Iterable[str]) -> None:
        """Fetch, in the background, the statistics of these jobs not asked for within the last minute."""
        now = self._monotonic()
        asked = self._asked_at
        due = [name for name in dict.fromkeys(job_names) if now - asked.get(name, float("-inf")) >= self._refresh_seconds]
        if not due:
            return
        for name in due:
            asked[name] = now
        self._app.run_worker(
            partial(self._fetch, due), thread=True, group="job-stats", name="job statistics", exit_on_error=False
        )

    def put(self, stats: JobStats) -> None:
        """Statistics fetched elsewhere (the job view's own): as fresh as any."""
        self._asked_at[stats.job_name] = self._monotonic()
        self._keep([stats])

    def _fetch(self, job_names: list[str]) -> None:
        """In a thread: one query per job; if the database fails, the rest wait for their next turn."""
        fetched = []
        for name in job_names:
            try:
                fetched.append(self._scheduler.job_stats(name))
            except Exception:  # noqa: BLE001 - no marks for now; History and the header say the database is away
                break
        if fetched:
            deliver(self._app, partial(self._keep, fetched))

    def _keep(self, fetched: list[JobStats]) -> None:
        changed = False
        for stats in fetched:
            known = self._stats.get(stats.job_name)
            changed = changed or known is None or known.slow_after != stats.slow_after
            self._stats[stats.job_name] = stats
        if changed:
            self.version += 1
            self._on_change()


def cache_of(node: DOMNode) -> JobStatsCache | None:
    """The app's statistics, for a pane (None in an app that keeps none)."""
    cache = getattr(node.app, "job_stats", None)
    return cache if isinstance(cache, JobStatsCache) else None


def stats_version(node: DOMNode) -> int:
    """Changes whenever a run's slow mark may have: cells made for another version are made again."""
    cache = cache_of(node)
    return -1 if cache is None else cache.version


def duration_cell(node: DOMNode, job_name: str, seconds: float | None, text: str, palette: Palette) -> Text:
    """A run's took (or elapsed) cell: ``▲ 45s`` in the warning tone when the run is unusually slow.

    The mark takes one column, and a space too when that still fits History's seven.
    """
    cache = cache_of(node)
    if seconds is None or cache is None or not cache.is_slow(job_name, seconds):
        return plain(text)
    return plain(f"{SLOW_MARK}{'' if len(text) > 5 else ' '}{text}", style=palette.tone("warning"))
