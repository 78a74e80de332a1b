"""``jobconsole --no-ui``: the engine as a foreground server process.

On a database that another scheduler leads, it waits as a hot standby and
takes over when the leader's lease lapses. SIGTERM, SIGINT or SIGHUP stops
dispatching, sets every run's stop_event, escalates process runs after the
grace period, records every unfinished run ``stopped``, gives the lease up
(a standby takes over at once) and exits 0. (SIGHUP: the terminal it was
started from went away, as when an SSH session drops; by default it would end
the process at once.) A leader that finds another scheduler has taken over
(it was paused or cut off for longer than its lease) stops its runs and exits
with :data:`EXIT_REPLACED`, for the service manager to start it again as a
standby.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from jobconsole.engine import JobScheduler
from jobconsole.logs import log_run_event

log = logging.getLogger("jobconsole")

EXIT_REPLACED = 75
"""EX_TEMPFAIL: another scheduler took over from this one; starting it again makes it a standby."""


def run_headless(scheduler: JobScheduler) -> int:
    stop = threading.Event()
    replaced = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            log.info("received %s again; already shutting down", signal.Signals(signum).name)
            return
        log.info("received %s; shutting down", signal.Signals(signum).name)
        stop.set()

    def on_replaced() -> None:
        replaced.set()
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    if not scheduler.stand_by(stop):
        return 0
    scheduler.add_listener(log_run_event)
    scheduler.on_replaced(on_replaced)
    scheduler.start()
    stop.wait()
    scheduler.shutdown()
    return EXIT_REPLACED if replaced.is_set() else 0
