"""The start journal: each run's start (and end) on local disk before the database has it.

The recorder writes rows in batches a few tens of milliseconds after the
fact. A scheduler killed in that window would leave a run that started with
no row at all (and, on a takeover, a new leader that runs the occurrence
again), or a run that succeeded recorded ``abandoned``. So the engine loop
appends one line per start to this journal before the run's body may begin,
and one per end, with one ``write`` per batch (no fsync: it must survive the
process, not the machine). Once the recorder has written everything handed
to it, the loop empties the file.

Each scheduler process has its own journal file in the database's state
directory, locked (``flock``) for as long as the process lives. Whoever
leads next (the same scheduler restarted, or a standby on the same machine
taking over) replays every journal whose lock is free: see
:func:`jobconsole.engine.recovery.replay_journals`.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from jobconsole.engine.live_run import LiveRun, success_of
from jobconsole.engine.spool import decode_op, encode_op
from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, RunUpdate, TriggeredBy


def journal_glob(database_id: str) -> str:
    """The journal files of one database's schedulers in a state directory."""
    return f"journal-{database_id}-*.log"


def _ts(moment: datetime | None) -> str:
    return "-" if moment is None else repr(moment.timestamp())


def _time(text: str) -> datetime | None:
    return None if text == "-" else datetime.fromtimestamp(float(text), timezone.utc)


class StartJournal:
    """This process's journal; the engine loop's thread alone appends to it and empties it."""

    def __init__(self, directory: Path, database_id: str, instance: str, host: str, pid: int, epoch: int) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = directory / f"journal-{database_id}-{instance}.log"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._header = f"H\t{pid}\t{epoch}\t{host}\n"
        os.write(self._fd, self._header.encode())
        self._empty = True
        self._jobs: dict[str, str] = {}
        """Each job's part of a start line, formatted once."""

    def append(self, items: Iterable[object]) -> None:
        """One line per run started or ended, and per plain record (a skipped or missed occurrence)."""
        self.write(self.lines(items))

    def lines(self, items: Iterable[object]) -> bytes:
        """The lines :meth:`append` would write, without writing them (a batch made ahead of its release)."""
        lines: list[str] = []
        # A batch's runs share their start time and mostly their due time: each is formatted once.
        stamps: dict[datetime | None, str] = {None: "-"}
        for item in items:
            if isinstance(item, LiveRun):
                if item.finished:
                    lines.append(_end_line(item))
                    continue
                scheduled = stamps.get(item.scheduled_for) or stamps.setdefault(item.scheduled_for, _ts(item.scheduled_for))
                started = stamps.get(item.started_at) or stamps.setdefault(item.started_at, _ts(item.started_at))
                job = self._jobs.get(item.spec.name) or self._jobs.setdefault(item.spec.name, _job_part(item))
                if item.triggered_by in _SAID_BY_START:
                    lines.append(f"S\t{item.run_id}\t{scheduled}\t{started}\t{job}\n")
                else:
                    first = "-" if item.first_run_id is None else item.first_run_id
                    lines.append(
                        f"T\t{item.run_id}\t{scheduled}\t{started}\t{item.triggered_by.value}\t{item.attempt}\t{first}\t{job}\n"
                    )
            elif isinstance(item, (RunRecord, RunUpdate)):
                lines.append(f"R\t{encode_op(item)}\n")
        return "".join(lines).encode()

    def write(self, data: bytes) -> None:
        if data and self._fd >= 0:
            os.write(self._fd, data)
            self._empty = False

    def empty(self) -> None:
        """Everything journaled is in the database: start the file afresh."""
        if not self._empty and self._fd >= 0:
            os.ftruncate(self._fd, 0)
            os.write(self._fd, self._header.encode())
            self._empty = True

    def close(self, *, keep: bool) -> None:
        """Release the file; ``keep`` it (records the database never took) for the next leader to replay."""
        if self._fd < 0:
            return
        if not keep:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1


_SAID_BY_START = frozenset({TriggeredBy.SCHEDULED, TriggeredBy.MANUAL})
"""First attempts whose trigger an ``S`` line says by whether it has a due time; other runs (retries,
catch-up runs) get a ``T`` line, which names the trigger and the attempt."""


def _job_part(run: LiveRun) -> str:
    """``mode, timeout seconds, name`` of a run's job (the name last: it may hold spaces)."""
    spec = run.spec
    return f"{'P' if run.child is not None else 'T'}\t{spec.timeout_seconds!r}\t{spec.name}"


_NOTHING_SAID = (None,) * 6


def _end_line(run: LiveRun) -> str:
    ending = run.ending
    assert ending is not None
    status, finished_at, error, outcome, ended_by, exit_code = ending
    texts = (error, outcome.message, outcome.traceback, outcome.lines_added, outcome.lines_processed, outcome.output)
    # Most runs end with nothing to say: no JSON for them.
    extra = "-" if texts == _NOTHING_SAID else json.dumps(texts, ensure_ascii=True)
    code = "-" if exit_code is None else exit_code
    return f"E\t{run.run_id}\t{status.value}\t{finished_at.timestamp()!r}\t{ended_by.value}\t{code}\t{extra}\n"


@dataclass
class JournalContents:
    """What one journal file holds: who wrote it, and its records in order."""

    host: str = "?"
    pid: int | None = None
    epoch: int | None = None
    starts: dict[int, RunRecord] = field(default_factory=dict)
    ends: dict[int, RunUpdate] = field(default_factory=dict)
    records: list[RunRecord | RunUpdate] = field(default_factory=list)
    unreadable: int = 0


def read_journal(path: Path) -> JournalContents:
    """Parse a journal; a torn last line (the process died mid-write) or a garbled one is counted, not fatal."""
    contents = JournalContents()
    for line in path.read_bytes().decode(errors="replace").split("\n"):
        if not line:
            continue
        try:
            _read_line(line, contents)
        except (ValueError, IndexError, KeyError, TypeError):
            contents.unreadable += 1
    return contents


def _read_line(line: str, contents: JournalContents) -> None:
    kind, _, rest = line.partition("\t")
    if kind == "H":
        pid, epoch, host = rest.split("\t", 2)
        contents.pid, contents.epoch, contents.host = int(pid), int(epoch), host
    elif kind in ("S", "T"):
        if kind == "S":
            run_id, scheduled, started, mode, timeout, name = rest.split("\t", 5)
            trigger, attempt, first = "-", "1", "-"
        else:
            run_id, scheduled, started, trigger, attempt, first, mode, timeout, name = rest.split("\t", 8)
        scheduled_for = _time(scheduled)
        started_at = _time(started)
        assert started_at is not None
        if trigger == "-":
            trigger = TriggeredBy.MANUAL.value if scheduled_for is None else TriggeredBy.SCHEDULED.value
        contents.starts[int(run_id)] = RunRecord(
            id=int(run_id),
            job_name=name,
            triggered_by=TriggeredBy(trigger),
            status=RunStatus.RUNNING,
            run_mode=RunMode.PROCESS if mode == "P" else RunMode.THREAD,
            scheduled_for=scheduled_for,
            started_at=started_at,
            deadline_at=started_at + timedelta(seconds=float(timeout)),
            host=contents.host,
            pid=contents.pid,
            attempt=int(attempt),
            first_run_id=None if first == "-" else int(first),
        )
    elif kind == "E":
        run_id, status, finished, ended_by, exit_code, extra = rest.split("\t", 5)
        texts = list(_NOTHING_SAID) if extra == "-" else json.loads(extra)
        # A journal left by a release before outputs were kept has five texts.
        error, message, traceback, lines_added, lines_processed, output = [*texts, None][:6]
        finished_at = _time(finished)
        assert finished_at is not None
        final = RunStatus(status)
        start = contents.starts.get(int(run_id))
        contents.ends[int(run_id)] = RunUpdate(
            id=int(run_id),
            status=final,
            finished_at=finished_at,
            success=success_of(final),
            duration_ms=None if start is None else int((finished_at - start.started_at).total_seconds() * 1000),
            error_message=error,
            traceback=traceback,
            message=message,
            lines_added=lines_added,
            lines_processed=lines_processed,
            ended_by=None if ended_by == "-" else EndedBy(ended_by),
            exit_code=None if exit_code == "-" else int(exit_code),
            output=output,
        )
    elif kind == "R":
        contents.records.append(decode_op(rest))
    else:
        raise ValueError(f"unknown journal line kind {kind!r}")


def journal_is_free(path: Path) -> bool:
    """Whether no living process holds ``path`` (its scheduler has ended, however it ended)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True
