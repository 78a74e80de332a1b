"""This scheduler's seat on the database: taking the lease or standing by, keeping it, giving it up.

:class:`Seat` takes the lease (or waits as a standby until it can), and gives
it up at a clean shutdown so that a standby takes over at once.
:class:`LeaseKeeper` renews it on a thread of its own and says whether
dispatching is safe right now.

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

from jobconsole.engine.local_process import is_gone, note_ended, process_key
from jobconsole.errors import StoreUnavailableError
from jobconsole.store import RunStore
from jobconsole.store.leadership import LeaseHolder, Leadership, Term

log = logging.getLogger("jobconsole.engine")

STANDBY_POLL_SECONDS = 1.0
"""How often a standby looks whether the leader's lease has lapsed."""
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


class Seat:
    """One scheduler process's place on one database: leader (with a :class:`Term`) or not yet."""

    def __init__(self, store: RunStore, holder: str, lease_seconds: float) -> None:
        self._store = store
        self.leadership = store.leadership(holder, process_key(), lease_seconds)
        self.term: Term | None = None
        self._taken_at = 0.0
        self.keeper: LeaseKeeper | None = None

    def try_take(self) -> Term | LeaseHolder:
        """Take the lease if it is free: the term (the store then writes under it); else who holds it."""
        began = time.monotonic()
        with self._store.guard("taking the scheduler's lease"):
            taken = self.leadership.try_take(is_gone)
        if isinstance(taken, Term):
            self.term = self._store.term = taken
            self._taken_at = began
        return taken

    def stand_by(self, until: threading.Event) -> bool:
        """Wait as a standby until the lease is taken (True) or ``until`` is set (False); one log line
        whenever the leader changes."""
        said: tuple[str, int] | None = None
        lease = self.leadership.lease_seconds
        while not until.is_set():
            try:
                taken = self.try_take()
            except StoreUnavailableError as error:
                log.warning("standing by: %s; trying again", error)
                until.wait(lease / 2)
                continue
            if not isinstance(taken, LeaseHolder):
                return True
            if said != (taken.holder, taken.epoch):
                said = (taken.holder, taken.epoch)
                log.info(
                    "standing by: %s leads %s (term %d); this scheduler takes over if its lease lapses",
                    taken.holder, self._store.url_label, taken.epoch,
                )
            until.wait(STANDBY_POLL_SECONDS)
        try:
            with self._store.guard("leaving the standbys"):
                self.leadership.leave()
        except StoreUnavailableError:
            pass
        return False

    def keep(self, on_lost: Callable[[LeaseHolder], None], on_regained: Callable[[], None]) -> LeaseKeeper:
        """Start renewing the lease taken by :meth:`try_take`."""
        assert self.term is not None, "keep() before the lease was taken"
        keeper = self.keeper = LeaseKeeper(
            self.leadership, self.term, self._taken_at, on_lost, on_regained, self._store.guard
        )
        keeper.start()
        return keeper

    def give_up(self, *, release: bool) -> None:
        """Stop renewing; ``release`` the lease (not when replaced) so that a standby takes over at once."""
        if self.keeper is not None:
            self.keeper.stop()
        note_ended(self.leadership.instance)
        if not release or self.term is None:
            return
        try:
            with self._store.guard("giving up the scheduler's lease"):
                self.leadership.release(self.term)
        except StoreUnavailableError as error:
            log.warning("could not give up the lease (%s); a standby takes over when it lapses", error)
