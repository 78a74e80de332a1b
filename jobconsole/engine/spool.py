"""Run records that could not reach the database before exit, kept in a file until the next start.

If the database is still down when the scheduler shuts down, the records
waiting in memory are written here, one JSON object a line, in order. The next
scheduler that starts on the same database writes them first, then deletes the
file, so a shutdown during an outage loses nothing either.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, RunUpdate, TriggeredBy

Op = RunRecord | RunUpdate
log = logging.getLogger("jobconsole.engine")

_ENUMS: dict[str, type[enum.Enum]] = {
    "status": RunStatus,
    "triggered_by": TriggeredBy,
    "run_mode": RunMode,
    "ended_by": EndedBy,
}
_TIMES = {"scheduled_for", "started_at", "finished_at", "deadline_at"}


def encode_op(op: Op) -> str:
    fields: dict[str, Any] = {}
    for name, value in vars(op).items():
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.isoformat()
        fields[name] = value
    return json.dumps({"kind": "record" if isinstance(op, RunRecord) else "update", "fields": fields})


def decode_op(line: str) -> Op:
    data = json.loads(line)
    fields = data["fields"]
    for name, value in fields.items():
        if value is None:
            continue
        if name in _ENUMS:
            fields[name] = _ENUMS[name](value)
        elif name in _TIMES:
            fields[name] = datetime.fromisoformat(value)
    kind = RunRecord if data["kind"] == "record" else RunUpdate
    known = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in fields.items() if k in known})


class Spool:
    def __init__(self, directory: Path, database_label: str) -> None:
        self.directory = directory
        self._prefix = "runs-" + hashlib.sha256(database_label.encode()).hexdigest()[:12]

    def save(self, ops: Sequence[Op]) -> tuple[Path | None, int]:
        """Write ``ops`` to a new spool file; the file (None if nothing fitted) and how many were saved.

        On a full disk what fits is kept: the file ends at the last whole record, and a file
        that would be empty is not left behind.
        """
        # Owner only: the records hold tracebacks.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{self._prefix}-{time.time_ns()}-{os.getpid()}.jsonl"
        partial = path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        saved = kept_bytes = 0
        try:
            for op in ops:
                line = (encode_op(op) + "\n").encode("utf-8")
                try:
                    _write_all(fd, line)
                except OSError:
                    break
                saved += 1
                kept_bytes += len(line)
            try:
                os.ftruncate(fd, kept_bytes)
                os.fsync(fd)
            except OSError:
                pass
        finally:
            os.close(fd)
        if not saved:
            partial.unlink(missing_ok=True)
            return None, 0
        partial.rename(path)
        return path, saved

    def pending(self) -> list[Path]:
        """Spool files for this database, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{self._prefix}-*.jsonl"), key=lambda p: int(p.stem.split("-")[2]))

    @staticmethod
    def load(path: Path) -> tuple[list[Op], int]:
        """The records in a spool file, and how many of its lines could not be read (a torn or garbled file)."""
        ops: list[Op] = []
        unreadable = 0
        for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                ops.append(decode_op(line))
            except (ValueError, KeyError, TypeError):
                unreadable += 1
        return ops, unreadable


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def keep_refused(path: Path, ops: Sequence[Op]) -> None:
    """Append records the database refused to ``path`` (owner-only), one JSON line each, for a person to look at."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        _write_all(fd, "".join(encode_op(op) + "\n" for op in ops).encode("utf-8"))
    finally:
        os.close(fd)


def keep_refused_record(path: Path, op: Op, error: Exception) -> None:
    """Keep a record the database refused in ``path``, with one log line saying why and where."""
    text = str(error).strip()
    reason = text.splitlines()[0] if text else type(error).__name__
    try:
        keep_refused(path, [op])
    except OSError as os_error:
        log.error("the database refused run record %d (%s), and it could not be kept in %s: %s",
                  op.id, reason, path, os_error.strerror or os_error)
        return
    log.error("the database refused run record %d (%s); it is kept in %s", op.id, reason, path)


def spool_unwritten(spool: Spool, left: Sequence[Op]) -> None:
    """Save the records the database never took, for the next start; say what could not be saved."""
    try:
        path, saved = spool.save(left)
    except OSError as error:
        path, saved = None, 0
        log.error("could not create a spool file in %s: %s", spool.directory, error.strerror or error)
    if saved:
        log.error(
            "the database stayed unreachable: %d run records saved to %s; they are written on the next start",
            saved, path,
        )
    if saved < len(left):
        log.error("%d run records were lost: the disk had no room for them in %s", len(left) - saved, spool.directory)
