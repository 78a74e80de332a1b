"""Keeping the lease: renewals on a thread of their own, and whether dispatching is safe right now.

A leader dispatches only while its lease is surely still its own: until
:data:`SAFETY_MARGIN_SECONDS` before the lease would lapse, counted from when
the last successful renewal *began* on this host's monotonic clock. The
database counts the lapse from when that renewal committed, later, so the
leader stops before any standby may start, whatever the two hosts' wall
clocks say. A leader that cannot reach the database stops dispatching when
that moment comes (one log line), and resumes when a renewal succeeds again;
one that finds another scheduler's term in the lease has been replaced, and
stops for good.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from jobconsole.errors import StoreUnavailableError
from jobconsole.store.leadership import LeaseHolder, Leadership, Term

log = logging.getLogger("jobconsole.engine")

RENEW_EVERY_SECONDS = 2.0
SAFETY_MARGIN_SECONDS = 1.0
LEASE_THREAD = "jobconsole-lease"


class LeaseKeeper:
    """Renews ``term`` every :data:`RENEW_EVERY_SECONDS`; ``on_lost`` hears who replaced this scheduler.

    ``on_regained`` is called when dispatching may resume after the lease could
    not be confirmed for a while. Both are called on the keeper's thread.
    """

    def __init__(
        self,
        leadership: Leadership,
        term: Term,
        taken_at: float,
        on_lost: Callable[[LeaseHolder], None],
        on_regained: Callable[[], None],
        guard: Callable[[str], AbstractContextManager[None]],
    ) -> None:
        self._leadership = leadership
        self.term = term
        self._on_lost = on_lost
        self._on_regained = on_regained
        self._guard = guard
        self._stop = threading.Event()
        self._valid_until = self._validity_from(taken_at)
        """Monotonic time until which dispatching is safe: written by the keeper's thread, read by the loop."""
        self._lapsed_logged = False
        self._outage_logged = False
        self.replaced_by: LeaseHolder | None = None
        self._thread = threading.Thread(target=self._run, name=LEASE_THREAD, daemon=True)

    def _validity_from(self, began: float) -> float:
        return began + self._leadership.lease_seconds - SAFETY_MARGIN_SECONDS

    def valid(self) -> bool:
        """Whether this scheduler surely still leads (any thread)."""
        return self.replaced_by is None and time.monotonic() < self._valid_until

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing (the lease is released separately, once every record is written)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while not self._stop.wait(RENEW_EVERY_SECONDS):
            began = time.monotonic()
            try:
                with self._guard("renewing the scheduler's lease"):
                    replaced_by = self._leadership.renew(self.term)
            except StoreUnavailableError as error:
                self._note_unconfirmed(error)
                continue
            except Exception:
                log.exception("renewing the scheduler's lease failed; trying again")
                continue
            if replaced_by is not None:
                self.replaced_by = replaced_by
                log.error(
                    "this scheduler no longer leads: %s took over in term %d (this one's was %d); it dispatches no more",
                    replaced_by.holder, replaced_by.epoch, self.term.epoch,
                )
                self._on_lost(replaced_by)
                return
            lapsed = time.monotonic() >= self._valid_until
            self._valid_until = self._validity_from(began)
            if self._outage_logged or lapsed:
                log.warning("the lease is confirmed again (term %d); dispatching resumes", self.term.epoch)
                self._outage_logged = False
                self._lapsed_logged = False
                self._on_regained()

    def _note_unconfirmed(self, error: StoreUnavailableError) -> None:
        if not self._outage_logged:
            self._outage_logged = True
            log.warning("cannot renew the lease: %s; dispatching stops if it is not renewed in time", error)
        if not self._lapsed_logged and time.monotonic() >= self._valid_until:
            self._lapsed_logged = True
            log.error(
                "the lease could not be confirmed before it ran out: dispatching stopped until the database answers"
            )
