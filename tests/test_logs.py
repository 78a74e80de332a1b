"""The headless log: one line per event, and nothing a job supplies can drive the terminal."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from jobconsole.engine.events import RunFinished, RunStarted
from jobconsole.logs import log_run_event, setup_logging
from jobconsole.runs import RunMode, RunRecord, RunStatus, TriggeredBy

HOSTILE = "\x1b[2J\x1b]0;owned\x07\rfake INFO line\x00\x9b31m"


def record(**fields) -> RunRecord:
    values = dict(
        id=7, job_name="feed", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.RUNNING, run_mode=RunMode.THREAD,
        scheduled_for=None,
        started_at=datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc),
    )
    values.update(fields)
    return RunRecord(**values)


@pytest.fixture
def stderr_log(monkeypatch) -> Iterator[io.StringIO]:
    """What the headless log writes to stderr, as set up by the CLI."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", demo=False)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def test_control_characters_from_job_text_are_escaped_in_log_lines(stderr_log) -> None:
    log_run_event(RunStarted(record(job_name="feed" + HOSTILE)))
    log_run_event(RunFinished(record(status=RunStatus.FAILED, duration_ms=20, error_message="boom" + HOSTILE)))
    lines = [line for line in stderr_log.getvalue().splitlines() if " jobconsole.runs: " in line]
    assert len(lines) == 2, lines
    for line in lines:
        assert not [char for char in line if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F], repr(line)
    assert "\\x1b[2J\\x1b]0;owned\\x07\\x0dfake INFO line\\x00\\x9b31m" in lines[0]
    assert 'error="boom\\x1b[2J' in lines[1]
