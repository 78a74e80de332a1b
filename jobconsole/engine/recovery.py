"""Start-up recovery: records an earlier scheduler could not write, and runs it left behind.

Both run on the starting thread before the engine loop starts dispatching.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jobconsole.engine.cadence import Cadence
from jobconsole.engine.dispatch import MISSED_COUNT_LIMIT, TRAIL
from jobconsole.engine.journal import JournalContents, journal_glob, journal_is_free, read_journal
from jobconsole.engine.live_run import Origin, duration_ms
from jobconsole.engine.spool import Spool, keep_refused
from jobconsole.engine.state_dir import LEGACY_SPOOL_DIR
from jobconsole.errors import StoreUnavailableError
from jobconsole.runs import RunRecord, RunStatus, RunUpdate
from jobconsole.store import RunStore

log = logging.getLogger("jobconsole.engine")


@dataclass(frozen=True)
class Recovered:
    """What a scheduler that has just taken the lease found and repaired, for the engine loop to start from."""

    rewritten: bool
    """Rows were written or changed: readers must read the history again."""
    abandoned: list[RunRecord]
    last_id: int
    failures: list[datetime]
    last_occurrences: dict[str, datetime]
    last_attempts: dict[str, RunRecord]
    """The latest run of each job with retries: one that failed with attempts left gets its retry again."""


def recover(
    store: RunStore,
    state: Path,
    database_id: str,
    now: datetime,
    origin: Origin,
    epoch: int,
    cadences: Mapping[str, Cadence],
    retried: Sequence[str] = (),
) -> Recovered:
    """Everything a new leader does before dispatching: the spools and journals earlier schedulers left,
    the runs they left running, where each job's schedule stands, and the last attempts of the ``retried``
    jobs (those with retries)."""
    rewritten = replay_spool(store, state, database_id)
    rewritten += replay_spool(store, Path(LEGACY_SPOOL_DIR), store.url_label)
    if store.persistent:
        rewritten += replay_journals(store, state, database_id, now, cadences)
    abandoned = abandon_stale_runs(store, now, origin, epoch)
    return Recovered(
        rewritten=rewritten > 0 or bool(abandoned),
        abandoned=abandoned,
        last_id=store.max_run_id(),
        failures=sorted(store.failure_times_since(now - timedelta(hours=24))),
        last_occurrences=_last_occurrences(store, cadences),
        last_attempts=store.last_attempts(list(retried)) if retried else {},
    )


def _last_occurrences(store: RunStore, cadences: Mapping[str, Cadence]) -> dict[str, datetime]:
    """Each job's last occurrence in the table: a ``missed`` row stands for several, the last of which counts."""
    result: dict[str, datetime] = {}
    for name, (first, count) in store.last_occurrences(list(cadences)).items():
        last: datetime | None = first
        for _ in range(min(count, MISSED_COUNT_LIMIT) - 1):
            following = cadences[name].next_after(last) if last is not None else None
            if following is None:
                break
            last = following
        if last is not None:
            result[name] = last
    return result


def replay_spool(store: RunStore, spool_dir: Path, database_key: str) -> int:
    """Write the records an earlier scheduler saved while the database was down; how many were written.

    A record whose id another run has taken meanwhile (a standby led while this
    one was cut off) is written under a new id; one the database refuses all the
    same is kept in a ``.refused`` file and said so. Nothing is dropped.
    """
    spool = Spool(spool_dir, database_key)
    written = 0
    for path in spool.pending():
        ops, unreadable = spool.load(path)
        if ops:
            done, refused = _write_replayed(store, ops)
            written += done
            log.warning("wrote %d run records saved in %s during an earlier outage", done, path)
            if refused:
                aside = path.with_suffix(".refused")
                keep_refused(aside, refused)
                log.error("%d records saved in %s were refused by the database; kept in %s", len(refused), path, aside)
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


def _write_replayed(store: RunStore, ops: list[RunRecord | RunUpdate]) -> tuple[int, list[RunRecord | RunUpdate]]:
    """Write ``ops``; where an id is taken by another run, under new ids. (written, refused)."""
    try:
        store.write(ops)
        return len(ops), []
    except StoreUnavailableError:
        raise
    except Exception:
        pass  # some record collides: one by one, below
    renumbered: dict[int, int] = {}
    next_id = store.max_run_id()
    written = 0
    refused: list[RunRecord | RunUpdate] = []
    for op in ops:
        op = replace(op, id=renumbered.get(op.id, op.id))
        if isinstance(op, RunRecord):
            stored = store.get_run(op.id)
            if stored is not None and (stored.job_name, stored.started_at) == (op.job_name, op.started_at):
                written += 1  # already there: an earlier replay got this far
                continue
            if stored is not None:
                next_id += 1
                renumbered[op.id] = next_id
                op = replace(op, id=next_id)
        try:
            store.write([op])
            written += 1
        except StoreUnavailableError:
            raise
        except Exception:
            refused.append(op)
    if renumbered:
        log.warning("%d replayed run records got new ids: theirs were taken meanwhile (%s)", len(renumbered),
                    ", ".join(f"{old} → {new}" for old, new in renumbered.items()))
    return written, refused


def _abandoned(row: RunRecord, now: datetime, why: str) -> dict[str, Any]:
    """The fields that mark ``row``'s run abandoned at ``now``, for ``why``."""
    return {
        "status": RunStatus.ABANDONED,
        "finished_at": now,
        "success": False,
        "duration_ms": duration_ms(row.started_at, now),
        "error_message": f"abandoned: {why}",
    }


def abandon_stale_runs(store: RunStore, now: datetime, origin: Origin, epoch: int) -> list[RunRecord]:
    """Mark every ``running`` row ``abandoned``, whatever host it came from; their final records.

    Called by a scheduler that has just taken the lease (term ``epoch``): the
    lease fences out every earlier leader, so no run such a row describes can
    still be recorded by the scheduler that started it.
    """
    host, pid = origin
    stale = store.find_running()
    if not stale:
        return []
    updates = [
        RunUpdate(id=row.id, **_abandoned(row, now, (
            f"the scheduler running it (pid {row.pid} on {row.host}"
            f"{'' if row.leader_epoch is None else f', term {row.leader_epoch}'}) stopped leading before the run "
            f"ended; found at {now:%Y-%m-%d %H:%M:%S} UTC by the scheduler taking over as pid {pid} on {host}, "
            f"term {epoch}"
        )))
        for row in stale
    ]
    store.write(updates)
    log.warning("marked %d runs left by a scheduler that stopped leading abandoned", len(updates))
    return [
        replace(row, **{k: v for k, v in vars(update).items() if k != "id"})
        for row, update in zip(stale, updates, strict=True)
    ]


def replay_journals(
    store: RunStore,
    directory: Path,
    database_id: str,
    now: datetime,
    cadences: Mapping[str, Cadence] | None = None,
) -> int:
    """Write what the journals of schedulers that have ended hold and the database lacks; how many runs.

    A run whose start is journaled but not in the database gets its row: final
    if its end is journaled too, else ``abandoned``. A run whose row says
    ``running`` gets its journaled end. An id taken meanwhile by another run
    (a leader that took over allocated it) gets a new one. A record the
    database refuses (its scheduled occurrence was recorded since) is kept
    in a ``.refused`` file beside the journal, and said so. Each journal is
    deleted once replayed.

    A journaled run whose occurrence a ``missed`` row counts (the leader that
    took over could not see this journal then: its scheduler was paused, not
    dead) is the truth: the missed row is narrowed, or split, around it, using
    the job's cadence from ``cadences``.
    """
    cadences = cadences or {}
    recovered = 0
    for path in sorted(directory.glob(journal_glob(database_id))) if directory.is_dir() else []:
        if not journal_is_free(path):
            continue  # its scheduler is alive (a standby, or a leader paused and not yet replaced)
        contents = read_journal(path)
        refused: list[RunRecord | RunUpdate] = []
        for op in _journal_ops(store, contents, now):
            if op.id == _NEW_ID:
                op = replace(op, id=store.max_run_id() + 1)
            try:
                if not _unmiss(store, op, cadences):
                    store.write([op])
                recovered += 1
            except StoreUnavailableError:
                raise
            except Exception:
                refused.append(op)
        if contents.unreadable:
            log.error("%d lines of the journal %s could not be read (torn or garbled)", contents.unreadable, path)
        if refused:
            aside = path.with_suffix(".refused")
            keep_refused(aside, refused)
            log.error(
                "%d records from the journal of pid %s on %s were refused by the database (their occurrence was "
                "recorded since); kept in %s", len(refused), contents.pid, contents.host, aside,
            )
        if contents.starts or contents.records:
            log.warning(
                "replayed the journal of the scheduler pid %s on %s (term %s): %d runs it had not recorded",
                contents.pid, contents.host, contents.epoch, recovered,
            )
        path.unlink()
    return recovered


def _unmiss(store: RunStore, op: RunRecord | RunUpdate, cadences: Mapping[str, Cadence]) -> bool:
    """If ``op`` is a run of an occurrence that a ``missed`` row counts, take it out of that row and
    write ``op``; whether it was done."""
    if not isinstance(op, RunRecord) or op.scheduled_for is None or op.job_name not in cadences:
        return False
    cadence = cadences[op.job_name]
    missed = store.missed_row_at_or_before(op.job_name, op.scheduled_for)
    if missed is None or missed.scheduled_for is None:
        return False
    before: list[datetime] = []
    moment: datetime | None = missed.scheduled_for
    count = missed.missed_count or 1
    while moment is not None and moment < op.scheduled_for and len(before) < count:
        before.append(moment)
        moment = cadence.next_after(moment)
    if moment != op.scheduled_for or len(before) >= count:
        return False
    after_count = count - len(before) - 1
    after_first = cadence.next_after(op.scheduled_for) if after_count > 0 else None
    note = f" (corrected: the occurrence at {op.scheduled_for:%Y-%m-%d %H:%M:%S} UTC ran, as run {op.id} shows)"
    keep = None
    if before:
        keep = replace(missed, missed_count=len(before), error_message=_missed_text(before[0], before[-1], len(before)) + note)
    add = None
    if after_first is not None:
        last = after_first
        for _ in range(after_count - 1):
            following = cadence.next_after(last)
            if following is None:
                break
            last = following
        add = replace(
            missed, id=max(store.max_run_id(), op.id) + 1, scheduled_for=after_first, missed_count=after_count,
            error_message=_missed_text(after_first, last, after_count) + note,
        )
    if keep is None and add is not None:
        keep, add = replace(add, id=missed.id), None
    store.correct_missed(missed, keep, add)
    store.write([op])
    log.warning("run %d of %s, recovered from a journal, ran an occurrence recorded missed; the missed row is corrected",
                op.id, op.job_name)
    return True


def _missed_text(first: datetime, last: datetime, count: int) -> str:
    return (f"missed {count} occurrences from {first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC: "
            "the scheduler leading then stopped before running them or before recording them")


_NEW_ID = -1
"""Marks a replayed record whose id another run took meanwhile: it gets the next free id when written."""


def _journal_ops(store: RunStore, contents: JournalContents, now: datetime) -> list[RunRecord | RunUpdate]:
    ops: list[RunRecord | RunUpdate] = []
    for run_id, start in contents.starts.items():
        end = contents.ends.get(run_id)
        stored = store.get_run(run_id)
        if stored is not None and stored.job_name == start.job_name and stored.started_at == start.started_at:
            if stored.status is RunStatus.RUNNING and end is not None:
                ops.append(end)
            continue
        if stored is not None:
            start = replace(start, id=_NEW_ID)
        if end is not None:
            ops.append(replace(start, **{k: v for k, v in vars(end).items() if k != "id"}))
        else:
            ops.append(replace(start, **_abandoned(start, now, (
                f"the scheduler running it (pid {start.pid} on {start.host}) ended before the run did, and "
                f"before it had recorded the run; recovered from its journal at {now:%Y-%m-%d %H:%M:%S} UTC"
            ))))
    for record in contents.records:
        if not isinstance(record, RunRecord):
            continue
        stored = store.get_run(record.id)
        if stored is None:
            ops.append(record)
        elif (stored.job_name, stored.started_at, stored.status) != (record.job_name, record.started_at, record.status):
            ops.append(replace(record, id=_NEW_ID))
    return ops


TRAIL_LOAD_THREAD = "jobconsole-load-trails"


def load_past_outcomes(
    store: RunStore | None,
    names: list[str],
    post: Callable[[Callable[[Any], None]], None],
    add: Callable[[dict[str, list[RunStatus]]], None],
) -> None:
    """Read the jobs' last outcomes for the console's trail on a thread of its own, then ``post`` them to
    the loop (which calls ``add``). One indexed query per job; with thousands of jobs that takes a while,
    and dispatch must not wait for it. Outcomes recorded meanwhile stay newest."""
    if store is None or not names:
        return

    def load() -> None:
        try:
            loaded = store.recent_statuses(names, TRAIL)
        except Exception:
            log.warning("could not load the jobs' recent outcomes; the trails start empty", exc_info=True)
            return
        post(lambda _effects: add(loaded))

    threading.Thread(target=load, name=TRAIL_LOAD_THREAD, daemon=True).start()
