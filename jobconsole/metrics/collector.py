"""The metrics as Prometheus sees them, made when it scrapes: from the scheduler's
:class:`~jobconsole.engine.tally.RunTally`, its published snapshot, its role and its notifiers' failures."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from jobconsole.interface import EngineSnapshot
from jobconsole.engine.tally import Histogram, RunTally


class Observed(Protocol):
    """What the collector reads of a scheduler (JobScheduler has it all)."""

    @property
    def leading(self) -> bool: ...

    def snapshot(self) -> EngineSnapshot: ...

    def notifier_failures(self) -> dict[str, int]: ...


class SchedulerCollector(Collector):
    def __init__(self, scheduler: Observed, tally: RunTally) -> None:
        self._scheduler = scheduler
        self._tally = tally

    def collect(self) -> Iterator[Metric]:
        tally = self._tally
        runs = CounterMetricFamily("jobconsole_runs", "Runs that ended since this scheduler started, by job and status "
                                   "(skipped and missed occurrences too)", labels=["job", "status"])
        for job, status, count in tally.ended_counts():
            runs.add_metric([job, status], count)
        yield runs

        durations = HistogramMetricFamily(
            "jobconsole_run_duration_seconds", "How long runs took, by job", labels=["job"]
        )
        for job, histogram in tally.duration_histograms():
            durations.add_metric([job], *_buckets(histogram))
        yield durations

        lateness = HistogramMetricFamily(
            "jobconsole_dispatch_lateness_seconds", "How long after its due time each scheduled run started"
        )
        lateness.add_metric([], *_buckets(tally.lateness))
        yield lateness

        snapshot = self._scheduler.snapshot()
        leading = self._scheduler.leading
        yield _gauge("jobconsole_runs_in_progress", "Runs in progress", len(snapshot.running))
        yield _gauge("jobconsole_jobs", "Registered jobs", len(snapshot.jobs))
        yield _gauge("jobconsole_jobs_paused", "Jobs an operator paused", sum(1 for job in snapshot.jobs if job.paused))
        role = GaugeMetricFamily(
            "jobconsole_role", "1 for this scheduler's role: leader (dispatching) or standby", labels=["role"]
        )
        role.add_metric(["leader"], 1 if leading else 0)
        role.add_metric(["standby"], 0 if leading else 1)
        yield role
        yield _gauge(
            "jobconsole_recorder_pending_records", "Run records handed to the recorder and not yet written",
            snapshot.pending_records,
        )
        yield _gauge("jobconsole_database_reachable", "1 while the database takes the records", 1 if snapshot.store_ok else 0)

        failures = CounterMetricFamily(
            "jobconsole_notifier_failures", "Notices a notifier failed to deliver (it raised, timed out or fell behind)",
            labels=["notifier"],
        )
        for notifier, count in sorted(self._scheduler.notifier_failures().items()):
            failures.add_metric([notifier], count)
        yield failures


def _buckets(histogram: Histogram) -> tuple[list[tuple[str, float]], float]:
    buckets, total = histogram.cumulative()
    return [("+Inf" if bound == math.inf else f"{bound:g}", count) for bound, count in buckets], total


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
