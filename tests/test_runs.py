"""How a run ended, in words: from what the row says, the exit status having the last word."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, TriggeredBy, ended_by_words

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def _ended(ended_by: EndedBy | None, exit_code: int | None = None) -> RunRecord:
    return RunRecord(
        id=1, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.FAILED, run_mode=RunMode.PROCESS,
        scheduled_for=None, started_at=START, ended_by=ended_by, exit_code=exit_code,
    )


@pytest.mark.parametrize(
    ("ended_by", "exit_code", "words"),
    [
        (EndedBy.RETURNED, None, "returned"),
        (EndedBy.RETURNED, 0, "returned"),
        (EndedBy.RAISED, None, "raised"),
        (EndedBy.RAISED, 0, "raised"),
        (EndedBy.STOP_EVENT, None, "stop_event"),
        (EndedBy.TERMINATED, -15, "SIGTERM"),
        (EndedBy.KILLED, -9, "SIGKILL"),
        (EndedBy.KILLED, -15, "SIGTERM"),  # died of the SIGTERM just before the SIGKILL went out
        (EndedBy.TERMINATED, 0, "SIGTERM, then exited 0"),  # the job caught SIGTERM and exited
        (EndedBy.CRASHED, 3, "exited 3"),
        (EndedBy.CRASHED, -11, "signal 11"),
        (EndedBy.CRASHED, None, "did not start"),
        (EndedBy.SHUTDOWN, None, "still running at shutdown"),
        (None, None, ""),
    ],
)
def test_ended_by_in_words(ended_by: EndedBy | None, exit_code: int | None, words: str) -> None:
    assert ended_by_words(_ended(ended_by, exit_code)) == words
