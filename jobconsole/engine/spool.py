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
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, RunUpdate, TriggeredBy

Op = RunRecord | RunUpdate

_ENUMS: dict[str, type[enum.Enum]] = {
    "status": RunStatus,
    "triggered_by": TriggeredBy,
    "run_mode": RunMode,
    "ended_by": EndedBy,
}
_TIMES = {"scheduled_for", "started_at", "finished_at", "deadline_at"}


def _encode(op: Op) -> str:
    fields: dict[str, Any] = {}
    for name, value in vars(op).items():
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime):
            value = value.isoformat()
        fields[name] = value
    return json.dumps({"kind": "record" if isinstance(op, RunRecord) else "update", "fields": fields})


def _decode(line: str) -> Op:
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

    def save(self, ops: Sequence[Op]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{self._prefix}-{time.time_ns()}-{os.getpid()}.jsonl"
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as out:
            for op in ops:
                out.write(_encode(op) + "\n")
            out.flush()
            os.fsync(out.fileno())
        partial.rename(path)
        return path

    def pending(self) -> list[Path]:
        """Spool files for this database, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{self._prefix}-*.jsonl"), key=lambda p: int(p.stem.split("-")[2]))

    @staticmethod
    def load(path: Path) -> list[Op]:
        return [_decode(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
