"""The alert policy: which ends of runs, and which silences, become notices.

- A job's first failed run (failed or timed out) is a ``failure`` notice. While it
  keeps failing, a failed run is a ``reminder`` only when the last notice about
  it is at least :attr:`AlertPolicy.reminder` old (default 1 h), so a job that
  fails every minute sends one notice an hour, not sixty.
- Its next successful run is one ``recovered`` notice, saying how long it failed
  and how many runs failed.
- A job registered with ``alert_if_no_success_within`` that has not succeeded for
  that long, counted from its last success or from when it was first watched (or
  resumed), gets one ``overdue`` notice; a paused job gets none. The next one comes
  only after it has succeeded again and gone quiet again.
- Abandoned runs are not the policy's: each one is notified as it is found.

The state (:class:`~jobconsole.alert_state.AlertState` per failing or watched job)
is handed to the recorder with the runs' rows, so only the leader writes it and a
new leader (after a restart or a takeover) continues from it rather than alerting
again. Engine loop only, like the rest of the scheduling state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from jobconsole.alert_state import AlertState
from jobconsole.notify.notice import FailureNotice, NoticeKind
from jobconsole.runs import RunRecord

if TYPE_CHECKING:
    from jobconsole.engine.dispatch import Effects

DEFAULT_REMINDER = timedelta(hours=1)
"""The shortest time between two notices about a job that keeps failing, unless configured."""


class AlertPolicy:
    """The policy's state for every failing or watched job, and its decisions. Engine loop only."""

    def __init__(self, host: str | None = None, reminder: timedelta = DEFAULT_REMINDER) -> None:
        self.host = host
        self.reminder = reminder
        self.states: dict[str, AlertState] = {}
        """Failing or watched jobs' states, as last handed to the recorder."""
        self.within: dict[str, timedelta] = {}
        """Watched jobs: how long each may go without a success."""
        self.last_success: dict[str, datetime] = {}
        """When each watched job last succeeded, as far as this scheduler knows."""
        self.tracked: set[str] = set()
        """Jobs whose successes the policy must hear of (failing or watched): one set lookup per run for the rest."""

    # -- jobs ------------------------------------------------------------------------------------

    def watch(self, name: str, within: timedelta) -> None:
        """``name`` was registered with ``alert_if_no_success_within=within``; its state comes with :meth:`load`."""
        self.within[name] = within
        self.tracked.add(name)

    def load(
        self,
        names: Collection[str],
        stored: Mapping[str, AlertState],
        last_success: Mapping[str, datetime],
        now: datetime,
        effects: Effects,
    ) -> None:
        """Start ``names`` from what the database holds (a new leader, or a job registered while running).

        A watched job without a stored start of its window starts it now; one no
        longer watched forgets its window, so that watching it again starts afresh.
        """
        for name in names:
            # What this scheduler saw already (a job registered while running may have failed since) is newer.
            state = self.states.get(name) or stored.get(name)
            watched = name in self.within
            if watched:
                if name in last_success:
                    self.last_success[name] = last_success[name]
                if state is None or state.watched_since is None:
                    since = stored[name].watched_since if name in stored else None
                    state = dataclasses.replace(state or AlertState(name), watched_since=since or now)
                    effects.store_alert(state)
            elif state is not None and (state.watched_since is not None or state.overdue_notified_at is not None):
                state = dataclasses.replace(state, watched_since=None, overdue_notified_at=None)
                effects.store_alert(state)
            if state is not None and (watched or state.failing):
                self.states[name] = state
                self.tracked.add(name)

    # -- ends of runs ----------------------------------------------------------------------------

    def failed(self, record: RunRecord, now: datetime, effects: Effects, attempts: int = 1) -> None:
        """A run of the job failed or timed out (its last attempt, of ``attempts``): a failure notice, a
        reminder, or nothing."""
        name = record.job_name
        state = self.states.get(name) or AlertState(name)
        if not state.failing:
            state = dataclasses.replace(state, failing_since=now, failed_count=1, last_notified_at=now)
            effects.notices.append(
                FailureNotice.from_record(record, NoticeKind.FAILURE, failing_since=now, failed_runs=1, attempts=attempts)
            )
        else:
            count = state.failed_count + 1
            last = state.last_notified_at
            if last is None or now - last >= self.reminder:
                state = dataclasses.replace(state, failed_count=count, last_notified_at=now)
                effects.notices.append(
                    FailureNotice.from_record(record, NoticeKind.REMINDER, state.failing_since, count, attempts)
                )
            else:
                state = dataclasses.replace(state, failed_count=count)
        self.states[name] = state
        self.tracked.add(name)
        effects.store_alert(state)

    def succeeded(self, name: str, now: datetime, record: Callable[[], RunRecord], effects: Effects) -> bool:
        """A run of a tracked job succeeded: ``recovered`` if it was failing; its window starts again.
        Whether it had been notified overdue (it may be again, later)."""
        if name in self.within:
            self.last_success[name] = now
        state = self.states.get(name)
        if state is None or (not state.failing and state.overdue_notified_at is None):
            return False
        was_overdue = state.overdue_notified_at is not None
        if state.failing:
            effects.notices.append(
                FailureNotice.from_record(record(), NoticeKind.RECOVERED, state.failing_since, state.failed_count)
            )
        state = dataclasses.replace(
            state, failing_since=None, failed_count=0, last_notified_at=None, overdue_notified_at=None
        )
        effects.store_alert(state)
        if name in self.within:
            self.states[name] = state
        else:
            del self.states[name]
            self.tracked.discard(name)
        return was_overdue

    # -- going without a success -----------------------------------------------------------------

    def resumed(self, name: str, now: datetime, effects: Effects) -> None:
        """A paused job was resumed: its window without a success starts now."""
        state = self.states.get(name)
        if name not in self.within or state is None:
            return
        state = self.states[name] = dataclasses.replace(state, watched_since=now)
        effects.store_alert(state)

    def check_overdue(self, now: datetime, paused: Collection[str], effects: Effects) -> datetime | None:
        """Notify every watched job that has gone too long without a success; when to look next (None: never)."""
        soonest: datetime | None = None
        for name, within in self.within.items():
            state = self.states.get(name)
            if state is None or name in paused or state.overdue_notified_at is not None:
                continue
            quiet_since = self._quiet_since(name, state)
            due = quiet_since + within
            if now >= due:
                state = self.states[name] = dataclasses.replace(state, overdue_notified_at=now)
                effects.store_alert(state)
                effects.notices.append(
                    FailureNotice(
                        job_name=name, run_id=None, status=None, error=None, traceback=None,
                        finished_at=now, host=self.host, kind=NoticeKind.OVERDUE,
                        quiet_since=quiet_since, expected_within=within.total_seconds(),
                    )
                )
            elif soonest is None or due < soonest:
                soonest = due
        return soonest

    def _quiet_since(self, name: str, state: AlertState) -> datetime:
        watched_since = state.watched_since
        assert watched_since is not None, "a watched job's state always has watched_since once loaded"
        success = self.last_success.get(name)
        return watched_since if success is None or success < watched_since else success
