"""The leader's retention: runs older than ``retention_days`` are deleted, a pass every hour.

The engine loop's timers say when a pass is due (a minute after the scheduler
starts leading, then every :data:`PURGE_EVERY_SECONDS`, on the injected clock);
the purge itself runs on a thread of its own, in batches of
:data:`~jobconsole.store.retention.PURGE_BATCH_ROWS` rows, each its own short
transaction (see :mod:`jobconsole.store.retention` for what is never deleted).
Between batches it pauses, gives way while runs are starting (the recorder
writes then), and goes on only while this scheduler surely leads.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobconsole.errors import StoreUnavailableError
from jobconsole.store import RunStore
from jobconsole.store.leadership import FencedError
from jobconsole.store.retention import PURGE_BATCH_ROWS, PURGE_PAUSE_SECONDS, PurgeReport, PurgeRule

log = logging.getLogger("jobconsole.engine")

DEFAULT_RETENTION_DAYS = 90.0
MAX_RETENTION_DAYS = 36_500.0
FIRST_PURGE_AFTER_SECONDS = 60.0
"""The first pass waits for the start-up rush to be over."""
PURGE_EVERY_SECONDS = 3600.0
GIVE_WAY_SECONDS = 1.0
"""The longest a batch waits for runs that are starting."""
PURGE_THREAD = "jobconsole-retention"


@dataclass(frozen=True)
class RetentionPolicy:
    """Runs older than ``days`` are deleted (None: none are), beyond each job's newest ``keep_per_job``."""

    days: float | None = DEFAULT_RETENTION_DAYS
    keep_per_job: int | None = None

    def rule(self, now: datetime) -> PurgeRule | None:
        """What a pass at ``now`` deletes; None when runs are kept for ever."""
        if self.days is None:
            return None
        return PurgeRule(now - timedelta(days=self.days), self.keep_per_job)


def retention_policy(days: object, keep_per_job: object) -> RetentionPolicy:
    """Check ``retention_days`` (0 keeps every run) and ``keep_per_job`` (0 or None: no per-job floor);
    a ValueError saying what is wrong."""
    if (
        isinstance(days, bool)
        or not isinstance(days, int | float)
        or not math.isfinite(days)
        or not 0 <= days <= MAX_RETENTION_DAYS
    ):
        raise ValueError(
            f"retention_days must be a number of days from 0 (keep every run) to {MAX_RETENTION_DAYS:,.0f}, got {days!r}"
        )
    if keep_per_job is not None and (isinstance(keep_per_job, bool) or not isinstance(keep_per_job, int) or keep_per_job < 0):
        raise ValueError(f"keep_per_job must be a whole number, 0 or more (0: no floor), got {keep_per_job!r}")
    return RetentionPolicy(float(days) if days else None, keep_per_job or None)


class Retention:
    """Purges on a thread of its own when asked (:meth:`request`, from the loop's timer); passes are kept
    for whoever wants to see them (:meth:`wait_for_passes`)."""

    def __init__(
        self,
        store: RunStore,
        policy: RetentionPolicy,
        *,
        may_purge: Callable[[], bool],
        busy: Callable[[], bool],
        pause_seconds: float = PURGE_PAUSE_SECONDS,
        batch_rows: int = PURGE_BATCH_ROWS,
    ) -> None:
        self._store = store
        self.policy = policy
        self._may_purge = may_purge
        self._busy = busy
        self._pause = pause_seconds
        self._batch_rows = batch_rows
        self._stopping = threading.Event()
        self._condition = threading.Condition()
        self._asked: datetime | None = None
        """The moment of the last pass asked for and not yet begun (guarded by _condition)."""
        self.passes: list[PurgeReport] = []
        """Every pass made, oldest first (appended under _condition)."""
        self._thread = threading.Thread(target=self._run, name=PURGE_THREAD, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, now: datetime) -> None:
        """Ask for a pass deleting what the policy says is old at ``now`` (any thread; never waits)."""
        with self._condition:
            self._asked = now
            self._condition.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """End the pass under way after its current batch, and the thread."""
        self._stopping.set()
        with self._condition:
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait_for_passes(self, count: int, timeout: float) -> list[PurgeReport]:
        """Wait until ``count`` passes have been made (TimeoutError after ``timeout`` real seconds)."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self.passes) >= count, timeout):
                raise TimeoutError(f"{len(self.passes)} purge passes made within {timeout} s, not {count}")
            return list(self.passes)

    def purge(self, now: datetime) -> PurgeReport | None:
        """One pass, here and now; None when the policy keeps every run."""
        rule = self.policy.rule(now)
        if rule is None:
            return None
        began = time.monotonic()
        report = self._store.purge(rule, batch_size=self._batch_rows, between_batches=self._between_batches)
        if report.total:
            log.info(
                "deleted %d runs of %d jobs started before %s UTC (retention %g days) in %.1f s%s",
                report.total, len(report.deleted), f"{rule.older_than:%Y-%m-%d %H:%M:%S}", self.policy.days,
                time.monotonic() - began, "" if report.complete else "; stopped early, the next pass goes on",
            )
        return report

    def _between_batches(self) -> bool:
        """Pause; give way while runs start (the recorder writes their rows then); go on only while leading."""
        if self._stopping.wait(self._pause):
            return False
        give_up_at = time.monotonic() + GIVE_WAY_SECONDS
        while self._busy() and time.monotonic() < give_up_at:
            if self._stopping.wait(0.005):
                return False
        return self._may_purge()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._asked is None and not self._stopping.is_set():
                    self._condition.wait()
                if self._stopping.is_set():
                    return
                now, self._asked = self._asked, None
            try:
                report = self.purge(now)
            except StoreUnavailableError as error:
                log.warning("old runs not deleted this time: %s; the next pass tries again", error)
                continue
            except FencedError as error:
                log.error("%s; this scheduler deletes no more old runs", error)
                return
            except Exception:  # a bug of ours: this pass is lost, not the scheduler
                log.exception("internal error while deleting old runs; the next pass tries again")
                continue
            if report is not None:
                with self._condition:
                    self.passes.append(report)
                    self._condition.notify_all()
