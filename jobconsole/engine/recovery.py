"""Start-up recovery: records an earlier scheduler could not write, and runs it left behind.

Both run on the starting thread before the engine loop starts dispatching.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from jobconsole.engine.live_run import Origin, duration_ms
from jobconsole.engine.spool import Spool
from jobconsole.runs import RunRecord, RunStatus, RunUpdate
from jobconsole.store import RunStore

log = logging.getLogger("jobconsole.engine")


def _pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replay_spool(store: RunStore, spool_dir: Path) -> int:
    """Write the records an earlier scheduler saved while the database was down; how many were written."""
    spool = Spool(spool_dir, store.url_label)
    written = 0
    for path in spool.pending():
        ops, unreadable = spool.load(path)
        if ops:
            store.write(ops)
            written += len(ops)
            log.warning("wrote %d run records saved in %s during an earlier outage", len(ops), path)
        if unreadable:
            aside = path.with_name(path.name + ".unreadable")
            path.rename(aside)
            log.error(
                "%d lines of the spool file %s could not be read (torn or garbled); the file is kept as %s",
                unreadable, path, aside,
            )
        else:
            path.unlink()
    return written


def abandon_stale_runs(store: RunStore, now: datetime, origin: Origin) -> list[RunRecord]:
    """Mark ``running`` rows left by a dead scheduler on this host ``abandoned``; their final records."""
    host, pid = origin
    stale: list[RunRecord] = []
    elsewhere = 0
    for row in store.find_running():
        if row.host == host and (row.pid == pid or not _pid_alive(row.pid)):
            stale.append(row)
        else:
            elsewhere += 1
    if elsewhere:
        log.warning("%d runs are marked running by another live scheduler or host; leaving them", elsewhere)
    if not stale:
        return []
    updates = [
        RunUpdate(
            id=row.id,
            status=RunStatus.ABANDONED,
            finished_at=now,
            success=False,
            duration_ms=duration_ms(row.started_at, now),
            error_message=(
                f"abandoned: the scheduler running it (pid {row.pid} on {row.host}) stopped before the run "
                f"ended; found at {now:%Y-%m-%d %H:%M:%S} UTC by the scheduler starting as pid {pid}"
            ),
        )
        for row in stale
    ]
    store.write(updates)
    log.warning("marked %d runs left by a scheduler that died abandoned", len(updates))
    return [
        replace(row, **{k: v for k, v in vars(update).items() if k != "id"})
        for row, update in zip(stale, updates, strict=True)
    ]
