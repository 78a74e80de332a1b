"""Counting runs for the metrics, cheaply enough for the dispatch path.

With 10,000 jobs due every second, whatever the loop does per run is paid
20,000 times a second (a start and an end). Run events are too dear for that
(each is a RunRecord made on the loop's thread: measured, they quadrupled the
lateness of such a batch), so when metrics are on (:meth:`JobScheduler.count_runs`)
the loop counts into a :class:`RunTally` instead: an ended run is two dictionary
lookups, a bucket and a sum; a batch of runs started for one due time is one
subtraction and one bucket, whatever its size. Nothing is allocated per run but
the numbers themselves, and nothing is locked.

Owner: the engine loop's thread writes. Whoever reports (the metrics' scrape
thread) reads through the ``*_counts`` methods, which copy (a dict or list copy
is one step under CPython's interpreter lock): a scrape may be a run behind,
never torn within one job's counts.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime

from jobconsole.engine.live_run import LiveRun
from jobconsole.runs import RunStatus, TriggeredBy

DURATION_BUCKETS: tuple[float, ...] = (
    0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf
)
"""Upper bounds of the run duration buckets, in seconds."""
LATENESS_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, math.inf
)
"""Upper bounds of the dispatch lateness buckets, in seconds."""


class Histogram:
    """Observations per bucket (not cumulative) and their sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * len(bounds)
        self.total = 0.0

    def observe(self, value: float, times: int = 1) -> None:
        self.counts[bisect_left(self.bounds, value)] += times
        self.total += value * times

    def cumulative(self) -> tuple[list[tuple[float, int]], float]:
        """(upper bound, observations up to it) for each bucket, and the sum: a copy, for any thread."""
        counts, total = list(self.counts), self.total
        buckets: list[tuple[float, int]] = []
        running = 0
        for bound, count in zip(self.bounds, counts):
            running += count
            buckets.append((bound, running))
        return buckets, total


class RunTally:
    """Runs that ended (by job and status), their durations (by job), and how late scheduled runs started."""

    def __init__(self) -> None:
        self.ended: dict[str, dict[RunStatus, int]] = {}
        self.durations: dict[str, Histogram] = {}
        self.lateness = Histogram(LATENESS_BUCKETS)
        self._span: tuple[datetime | None, datetime | None, float] = (None, None, 0.0)
        """The last (start, end, seconds) worked out: the runs of a batch share their start and end."""

    def run_ended(self, job: str, status: RunStatus, started_at: datetime | None, ended_at: datetime | None) -> None:
        """A run (or a skipped or missed occurrence: no times) ended; engine loop only."""
        by_status = self.ended.get(job)
        if by_status is None:
            by_status = self.ended[job] = {}
        by_status[status] = by_status.get(status, 0) + 1
        if started_at is None or ended_at is None:
            return
        start, end, seconds = self._span
        if start is not started_at or end is not ended_at:
            seconds = max((ended_at - started_at).total_seconds(), 0.0)
            self._span = (started_at, ended_at, seconds)
        durations = self.durations.get(job)
        if durations is None:
            durations = self.durations[job] = Histogram(DURATION_BUCKETS)
        durations.observe(seconds)

    def runs_started(self, runs: Iterable[LiveRun]) -> None:
        """Runs handed to the workers: each scheduled one's lateness, one subtraction per due time; engine loop only."""
        due: datetime | None = None
        started: datetime | None = None
        count = 0
        scheduled = TriggeredBy.SCHEDULED
        for run in runs:
            if run.triggered_by is not scheduled or run.scheduled_for is None:
                continue
            if run.scheduled_for != due or run.started_at is not started:
                if count:
                    self._late(due, started, count)
                due, started, count = run.scheduled_for, run.started_at, 0
            count += 1
        if count:
            self._late(due, started, count)

    def _late(self, due: datetime | None, started: datetime | None, count: int) -> None:
        assert due is not None and started is not None
        self.lateness.observe(max((started - due).total_seconds(), 0.0), count)

    def ended_counts(self) -> list[tuple[str, str, int]]:
        """(job, status, count) for every job and status seen; from any thread."""
        return [
            (job, status.value, count)
            for job, by_status in dict(self.ended).items()
            for status, count in dict(by_status).items()
        ]

    def duration_histograms(self) -> list[tuple[str, Histogram]]:
        """Each job's duration histogram; from any thread."""
        return list(dict(self.durations).items())
