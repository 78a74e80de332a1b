"""``jobconsole --no-ui``: the engine as a foreground server process.

SIGTERM, SIGINT or SIGHUP stops dispatching, sets every run's stop_event,
escalates process runs after the grace period, records every unfinished run
``stopped`` and exits 0. (SIGHUP: the terminal it was started from went away,
as when an SSH session drops; by default it would end the process at once.)
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from jobconsole.engine import JobScheduler
from jobconsole.logs import log_run_event

log = logging.getLogger("jobconsole")


def run_headless(scheduler: JobScheduler) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            log.info("received %s again; already shutting down", signal.Signals(signum).name)
            return
        log.info("received %s; shutting down", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    scheduler.add_listener(log_run_event)
    scheduler.start()
    stop.wait()
    scheduler.shutdown()
    return 0
