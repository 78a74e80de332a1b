"""A scheduler seen from elsewhere: the leader's published state, its history, commands through the database.

:class:`RemoteScheduler` implements the console's
:class:`~jobconsole.interface.SchedulerInterface`, so an attached console
draws a headless scheduler as it draws one it embeds; the shell CLI uses it
too. Its snapshot is refreshed by a thread of its own (the console's refresh
takes it without waiting for the database); commands are rows the leader takes
and answers, which :meth:`RemoteScheduler.command` waits for.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from jobconsole.attach.who import operator
from jobconsole.attach.wire import NextRuns, decode_state
from jobconsole.errors import JobconsoleError, StoreUnavailableError
from jobconsole.interface import CommandRecord, CommandResult, EngineSnapshot, EngineState
from jobconsole.runs import HistoryPage, HistoryQuery, JobStats, RunRecord
from jobconsole.store import RunStore
from jobconsole.store.attach import Command, CommandKind, Published

log = logging.getLogger("jobconsole.attach")

LIVE_WITHIN_SECONDS = 5.0
"""A leader whose heartbeat is older than this is not live (it beats every second)."""
REFRESH_SECONDS = 0.25
COMMAND_TIMEOUT_SECONDS = 5.0


class NoLeaderError(JobconsoleError):
    """No live scheduler leads the database: there is nobody to attach to or to carry out a command."""


@dataclass(frozen=True)
class LeaderSeen:
    holder: str
    """Host and pid, in words."""
    since: datetime
    heartbeat_age: float
    holds_lease: bool

    @property
    def live(self) -> bool:
        return self.holds_lease and self.heartbeat_age <= LIVE_WITHIN_SECONDS


def leader_of(published: Published | None) -> LeaderSeen | None:
    if published is None:
        return None
    since = datetime.fromtimestamp(published.started_at, timezone.utc)
    return LeaderSeen(published.holder, since, published.age, published.holds_lease)


class RemoteScheduler:
    """A live leader of ``store``'s database, seen through the attach channel."""

    def __init__(self, store: RunStore, read_only: bool = False) -> None:
        self._store = store
        self._channel = store.attach_channel()
        self.read_only = read_only
        self.who = operator()
        self._published: Published | None = None
        self._snapshot: EngineSnapshot | None = None
        self._next_runs: NextRuns = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the leader's state -----------------------------------------------------------------------

    def leader(self) -> LeaderSeen | None:
        """The leader as last read (refreshed by :meth:`refresh`)."""
        return leader_of(self._published)

    def refresh(self) -> EngineSnapshot | None:
        """Read the published state now; the snapshot, or None if no leader ever published."""
        published = self._channel.published()
        if published is None:
            self._published, self._snapshot, self._next_runs = None, None, {}
            return None
        changed = self._published is None or self._published.document != published.document
        self._published = published
        if changed or self._snapshot is None:
            self._snapshot, self._next_runs = decode_state(published.document)
        leader = leader_of(published)
        assert leader is not None
        attached = f"{leader.holder} since {leader.since:%H:%M} UTC"
        if not leader.holds_lease:
            attached += ", stopped"
        elif not leader.live:
            attached += f", silent for {leader.heartbeat_age:.0f} s"
        self._snapshot = replace(self._snapshot, attached_to=attached, read_only=self.read_only)
        return self._snapshot

    def require_live_leader(self) -> LeaderSeen:
        """The live leader, or NoLeaderError saying why there is none."""
        try:
            self.refresh()
        except ValueError as error:
            raise NoLeaderError(str(error)) from None
        leader = self.leader()
        if leader is None:
            raise NoLeaderError(f"no scheduler has ever led {self._store.url_label}; start one with jobconsole --no-ui")
        if not leader.holds_lease:
            raise NoLeaderError(
                f"no live scheduler leads {self._store.url_label}: the last one ({leader.holder}) "
                "has stopped (or lost its lease)"
            )
        if not leader.live:
            raise NoLeaderError(
                f"no live scheduler leads {self._store.url_label}: the last one ({leader.holder}) "
                f"has not been heard from for {leader.heartbeat_age:.0f} s"
            )
        return leader

    def start(self) -> None:
        """Keep the snapshot fresh on a thread of its own."""
        self._thread = threading.Thread(target=self._follow, name="jobconsole-attach", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _follow(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            try:
                self.refresh()
            except (StoreUnavailableError, ValueError) as error:
                log.debug("could not read the leader's state: %s", error)
                if self._snapshot is not None:
                    self._snapshot = replace(self._snapshot, store_ok=False)

    # -- SchedulerInterface ---------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        snapshot = self._snapshot
        if snapshot is None:
            return EngineSnapshot(
                taken_at=datetime.now(timezone.utc), state=EngineState.STOPPED, database=self._store.url_label,
                demo=False, jobs=(), running=(), failures_24h=0, revision=0, store_ok=True, pending_records=0,
                attached_to="no scheduler", read_only=self.read_only,
            )
        return snapshot

    def history(self, query: HistoryQuery) -> HistoryPage:
        return self._store.history(query)

    def run_detail(self, run_id: int) -> RunRecord | None:
        return self._store.get_run(run_id)

    def next_runs(self, job_name: str, count: int = 5) -> tuple[datetime, ...]:
        """As the leader last published them: at most five."""
        return self._next_runs.get(job_name, ())[:count]

    def job_stats(self, job_name: str, last: int = 100) -> JobStats:
        return self._store.job_stats(job_name, last)

    def commands_for_run(self, run_id: int) -> list[Command]:
        return self._channel.commands_for_run(run_id)

    def run_commands(self, run_id: int) -> list[CommandRecord]:
        return [command.record() for command in self._channel.commands_for_run(run_id)]

    def trigger(self, job_name: str) -> CommandResult:
        return self.command(CommandKind.TRIGGER, job_name=job_name)

    def stop(self, run_id: int) -> CommandResult:
        return self.command(CommandKind.STOP, run_id=run_id)

    def pause(self, job_name: str) -> CommandResult:
        return self.command(CommandKind.PAUSE, job_name=job_name)

    def resume(self, job_name: str) -> CommandResult:
        return self.command(CommandKind.RESUME, job_name=job_name)

    def command(
        self,
        kind: CommandKind,
        job_name: str | None = None,
        run_id: int | None = None,
        timeout: float = COMMAND_TIMEOUT_SECONDS,
    ) -> CommandResult:
        """Leave a command for the leader and wait for its answer."""
        if self.read_only:
            return CommandResult(False, "this console is read-only (--read-only): it changes nothing")
        command_id = self._channel.request(kind, self.who, job_name, run_id)
        deadline = time.monotonic() + timeout
        pause = 0.01
        while time.monotonic() < deadline:
            answered = self._channel.command(command_id)
            if answered is not None and answered.handled:
                return CommandResult(bool(answered.ok), answered.result or "", answered.result_run_id)
            time.sleep(pause)  # polling the command's row: the answer is a row another process writes
            pause = min(pause * 2, 0.05)
        return CommandResult(False, f"the scheduler did not answer within {timeout:g} s; the command may still be carried out")
