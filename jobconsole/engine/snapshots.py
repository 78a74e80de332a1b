"""Building the immutable :class:`EngineSnapshot` the engine loop publishes after each change.

Readers (the console, the CLI, tests) take the latest published snapshot
without any lock. The builder runs on the loop's thread and redoes only what
changed: a job's view is made again only when the job was touched, and a run's
view only when its state or pid changed, so the console, which compares views
by identity, redraws nothing for what stayed the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jobconsole.engine.dispatch import Dispatcher
from jobconsole.engine.live_run import LiveRun
from jobconsole.interface import ActiveRun, EngineSnapshot, JobView


class SnapshotBuilder:
    """Engine loop only; keeps the views it handed out last time."""

    def __init__(self, database: str, demo: bool) -> None:
        self.database = database
        self.demo = demo
        self._views: dict[str, JobView] = {}
        self._jobs: tuple[JobView, ...] = ()
        self._runs: dict[int, tuple[object, int | None, ActiveRun]] = {}

    def build(self, dispatcher: Dispatcher, now: datetime, store_ok: bool, pending_records: int) -> EngineSnapshot:
        if dispatcher.dirty_jobs:
            self._jobs = self._job_views(dispatcher, now)
        cutoff = now - timedelta(hours=24)
        failures = dispatcher.failures
        while failures and failures[0] < cutoff:
            failures.popleft()
        dispatcher.changed = False
        return EngineSnapshot(
            taken_at=now,
            state=dispatcher.state,
            database=self.database,
            demo=self.demo,
            jobs=self._jobs,
            running=self._run_views(dispatcher.live),
            failures_24h=len(failures),
            revision=dispatcher.revision,
            store_ok=store_ok,
            pending_records=pending_records,
        )

    def _job_views(self, dispatcher: Dispatcher, now: datetime) -> tuple[JobView, ...]:
        views = self._views
        for name in dispatcher.dirty_jobs:
            spec = dispatcher.specs.get(name)
            if spec is None:
                continue
            recent = tuple(dispatcher.recent[name])
            active = dispatcher.live_by_job.get(name)
            next_run = dispatcher.due.next_due(name)
            running_run_id = active.run_id if active else None
            view = views.get(name)
            if (
                view is None
                or view.next_run != next_run
                or view.recent != recent
                or view.running_run_id != running_run_id
            ):
                views[name] = JobView(
                    name=name,
                    schedule=spec.cadence.describe(),
                    next_run=next_run,
                    last_status=recent[-1] if recent else None,
                    run_mode=spec.run_mode,
                    timeout_seconds=spec.timeout.total_seconds(),
                    recent=recent,
                    running_run_id=running_run_id,
                )
        dispatcher.dirty_jobs.clear()
        return tuple(sorted(views.values(), key=lambda j: (j.next_run is None, j.next_run or now, j.name)))

    def _run_views(self, live: dict[int, LiveRun]) -> tuple[ActiveRun, ...]:
        cached = self._runs
        fresh: dict[int, tuple[object, int | None, ActiveRun]] = {}
        # Runs are added in the order of their ids and never moved, so ``live`` is already oldest first.
        for run_id, run in live.items():
            pid = run.pid
            seen = cached.get(run_id)
            if seen is None or seen[0] is not run.state or seen[1] != pid:
                seen = (run.state, pid, run.view())
            fresh[run_id] = seen
        self._runs = fresh
        return tuple(entry[2] for entry in fresh.values())
