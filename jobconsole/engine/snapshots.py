"""Building the immutable :class:`EngineSnapshot` the engine loop publishes after each change.

Readers (the console, the CLI, tests) take the latest published snapshot
without any lock. Publishing must cost the loop little even with 10,000 jobs,
so the loop captures only what changed (one small tuple per job touched since
the last snapshot, and a copy of the dict holding them), and the job views are
made from that by the first reader that looks at a snapshot's jobs (a headless
scheduler with nobody watching makes none). Runs in progress likewise: the loop
captures each one's state and pid, and their views are made on first use. A
view is made again only for a job whose inputs changed, and a run's view only
when its state, its pid or the last signal it was sent changed, so the console,
which compares views by identity, redraws nothing that stayed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence, Sized
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from jobconsole.engine.cadence import due_times
from jobconsole.engine.dispatch import Dispatcher
from jobconsole.engine.jobs import JobSpec
from jobconsole.engine.live_run import LiveRun
from jobconsole.interface import EngineSnapshot, JobView, LiveRunView
from jobconsole.runs import EndedBy, RunStatus


JobInputs = tuple[JobSpec, "datetime | None", "tuple[RunStatus, ...]", "int | None", bool, "datetime | None"]
"""What a job's view is made from, as of one snapshot: spec, next run, recent outcomes, run in progress, paused,
pending retry's due time.
A plain tuple: the loop makes one for every job touched, ten thousand a second on a busy scheduler."""


class _ViewCache:
    """The views made last, shared by a scheduler's snapshots; readers on any thread take its lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: dict[str, tuple[JobInputs, JobView]] = {}
        self.schedules: dict[int, str] = {}
        """Each job's schedule in words, by id of its spec (made once: a cadence never changes)."""

    def view(self, inputs: JobInputs) -> JobView:
        spec, next_run, recent, running_run_id, paused, retry_at = inputs
        seen = self.views.get(spec.name)
        if seen is not None and (seen[0] is inputs or seen[0] == inputs):
            return seen[1]
        words = self.schedules.get(id(spec))
        if words is None:
            words = self.schedules[id(spec)] = spec.cadence.describe()
        view = JobView(
            name=spec.name,
            schedule=words,
            next_run=next_run,
            last_status=recent[-1] if recent else None,
            run_mode=spec.run_mode,
            timeout_seconds=spec.timeout.total_seconds(),
            recent=recent,
            running_run_id=running_run_id,
            paused=paused,
            retries=spec.retry.retries,
            retry_at=retry_at,
        )
        self.views[spec.name] = (inputs, view)
        return view


V = TypeVar("V")


class _LazyViews(Sequence[V]):
    """A snapshot's views, made from the inputs the loop captured when a reader first looks."""

    __slots__ = ("_inputs", "_cache", "_views")

    def __init__(self, inputs: Sized, cache: Any) -> None:
        self._inputs = inputs
        self._cache = cache
        self._views: tuple[V, ...] | None = None

    def _make(self) -> tuple[V, ...]:
        raise NotImplementedError

    def _made(self) -> tuple[V, ...]:
        views = self._views
        if views is None:
            views = self._views = self._make()
        return views

    @overload
    def __getitem__(self, index: int) -> V: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[V]: ...

    def __getitem__(self, index: Any) -> Any:
        return self._made()[index]

    def __len__(self) -> int:
        return len(self._inputs)

    def __bool__(self) -> bool:
        return bool(len(self._inputs))

    def __iter__(self) -> Iterator[V]:
        return iter(self._made())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _LazyViews):
            return self._made() == other._made()
        return isinstance(other, Sequence) and self._made() == tuple(other)

    def __hash__(self) -> int:
        return hash(self._made())

    def __repr__(self) -> str:
        return repr(self._made())


class JobViews(_LazyViews[JobView]):
    """A snapshot's jobs, sorted by next run (jobs without one last), made on first use."""

    __slots__ = ("_by_name", "_taken_at")

    def __init__(self, inputs: dict[str, JobInputs], taken_at: datetime, cache: _ViewCache) -> None:
        super().__init__(inputs, cache)
        self._taken_at = taken_at
        self._by_name = inputs
        """The loop's copy for this snapshot alone: never changed after, so any thread may read it."""

    def due_times(self, name: str, count: int) -> tuple[datetime, ...]:
        """The job's next ``count`` due times as of this snapshot (fewer if its schedule has fewer,
        or is random), worked out from its cadence without touching the live job; () for no such job."""
        inputs = self._by_name.get(name)
        if inputs is None:
            return ()
        spec, next_run = inputs[0], inputs[1]
        return due_times(spec.cadence, next_run, count)

    def _make(self) -> tuple[JobView, ...]:
        cache = self._cache
        now = self._taken_at
        with cache.lock:
            made = [cache.view(inputs) for inputs in self._inputs.values()]
        return tuple(sorted(made, key=lambda j: (j.next_run is None, j.next_run or now, j.name)))


RunInputs = tuple[LiveRun, object, "int | None", "EndedBy | None"]
"""A live run as of one snapshot: the run (whose other shown fields are fixed once it is handed over, or, for
its escalation's times, change only with its state), its state, its pid, the last signal it was sent."""


class _RunViewCache:
    """The live runs' views made last; readers on any thread take its lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: dict[int, tuple[object, int | None, EndedBy | None, LiveRunView]] = {}

    def view(self, inputs: RunInputs) -> LiveRunView:
        run, state, pid, escalated = inputs
        seen = self.views.get(run.run_id)
        if seen is not None and seen[0] is state and seen[1] == pid and seen[2] is escalated:
            return seen[3]
        view = run.view(state, pid, escalated)  # type: ignore[arg-type]
        self.views[run.run_id] = (state, pid, escalated, view)
        return view

    def keep_only(self, run_ids: set[int]) -> None:
        for run_id in [run_id for run_id in self.views if run_id not in run_ids]:
            del self.views[run_id]


class RunViews(_LazyViews[LiveRunView]):
    """A snapshot's runs in progress, oldest first, made on first use."""

    __slots__ = ()

    def _make(self) -> tuple[LiveRunView, ...]:
        cache = self._cache
        with cache.lock:
            views = tuple(cache.view(inputs) for inputs in self._inputs)
            if len(cache.views) > 2 * len(views) + 100:
                cache.keep_only({view.run_id for view in views})
        return views


class SnapshotBuilder:
    """Engine loop only; keeps each job's inputs and each live run's view between snapshots."""

    def __init__(self, database: str, demo: bool) -> None:
        self.database = database
        self.demo = demo
        self._inputs: dict[str, JobInputs] = {}
        self._cache = _ViewCache()
        self._jobs: JobViews | None = None
        self._run_cache = _RunViewCache()

    def build(self, dispatcher: Dispatcher, now: datetime, store_ok: bool, pending_records: int) -> EngineSnapshot:
        if dispatcher.dirty_jobs or self._jobs is None:
            self._jobs = JobViews(self._job_inputs(dispatcher), now, self._cache)
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
            shutdown_deadline=dispatcher.shutdown_deadline,
        )

    def _job_inputs(self, dispatcher: Dispatcher) -> dict[str, JobInputs]:
        inputs = self._inputs
        specs = dispatcher.specs
        recent = dispatcher.recent
        live_by_job = dispatcher.live_by_job
        next_due = dispatcher.due.next_due
        paused = dispatcher.paused
        retries = dispatcher.retries
        for name in dispatcher.dirty_jobs:
            spec = specs.get(name)
            if spec is None:
                continue
            active = live_by_job.get(name)
            retry = retries.get(name) if retries else None
            inputs[name] = (
                spec, next_due(name), tuple(recent[name]), active.run_id if active else None, name in paused,
                retry.due if retry is not None else None,
            )
        dispatcher.dirty_jobs.clear()
        return dict(inputs)

    def _run_views(self, live: dict[int, LiveRun]) -> RunViews:
        # Runs are added in the order of their ids and never moved, so ``live`` is already oldest first.
        return RunViews(tuple([(run, run.state, run.pid, run.escalated) for run in live.values()]), self._run_cache)
