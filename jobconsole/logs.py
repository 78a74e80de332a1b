"""Log setup for the CLI: one line per event, readable by journald and container logs."""

from __future__ import annotations

import logging
import os
import re
import sys
import time

from jobconsole.engine.events import RunEvent, RunFinished, RunStarted, RunTimedOut
from jobconsole.runs import RunStatus

log = logging.getLogger("jobconsole.runs")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\\n" if char == "\n" else f"\\x{ord(char):02x}"


class _LineFormatter(logging.Formatter):
    """``2026-11-26T15:00:00.123Z INFO jobconsole.runs [demo jobs] run started ...``.

    Under systemd (JOURNAL_STREAM set) the timestamp is left out: journald adds its own.
    Line breaks in a message are escaped so that one event is always one line, and every other
    control character (ESC, BEL, CR, NUL, ...) is shown as a ``\\xNN`` escape: job names and error texts
    are the jobs' data, and must not move a terminal's cursor or hide what comes before them.
    """

    converter = time.gmtime

    def __init__(self, demo: bool, with_time: bool) -> None:
        fmt = "%(levelname)s %(name)s: " + ("[demo jobs] " if demo else "") + "%(message)s"
        super().__init__(("%(asctime)s.%(msecs)03dZ " if with_time else "") + fmt, "%Y-%m-%dT%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return _CONTROL.sub(_escape, super().format(record))


def setup_logging(level: str, demo: bool, log_file: str | None = None, to_stderr: bool = True) -> None:
    handlers: list[logging.Handler] = []
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    if not handlers:
        handlers.append(logging.NullHandler())
    with_time = "JOURNAL_STREAM" not in os.environ
    for handler in handlers:
        handler.setFormatter(_LineFormatter(demo, with_time or isinstance(handler, logging.FileHandler)))
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def log_run_event(event: RunEvent) -> None:
    """One line per run start and end: job, run id, status, duration."""
    record = event.record
    if isinstance(event, RunStarted):
        log.info(
            "run started job=%s run=%d trigger=%s mode=%s%s",
            record.job_name, record.id, record.triggered_by.value, record.run_mode.value,
            f" attempt={record.attempt} first_run={record.first_run_id}" if record.attempt > 1 else "",
        )
    elif isinstance(event, RunTimedOut):
        log.warning("run timed out job=%s run=%d; stop_event set", record.job_name, record.id)
    elif isinstance(event, RunFinished):
        duration = (record.duration_ms or 0) / 1000
        line = f"run finished job={record.job_name} run={record.id} status={record.status.value} duration={duration:.3f}s"
        if record.error_message:
            line += " error=" + _quote(record.error_first_line)
        level = logging.ERROR if record.status.is_failure else (
            logging.WARNING if record.status in (RunStatus.SKIPPED, RunStatus.STOPPED) else logging.INFO
        )
        log.log(level, "%s", line)
