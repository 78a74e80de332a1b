"""``jobconsole show RUN_ID``: one run in full, as an operator reads it, and as a script does."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

from jobconsole.runs import EndedBy, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import open_store

from .support import REPO, clean_env, jobconsole_command

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)
TRACEBACK = 'Traceback (most recent call last):\n  File "feed.py", line 3, in run\nValueError: row 7\n'
OUTPUT = "15:00:01 INFO feed: fetched 3 rows\n\x1b[31mred\x1b[0m progress\n15:00:02 ERROR feed: row 7 is bad\n"


def show(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command("show", *args, "--db", database_url),
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60,
    )


def test_show_prints_how_the_run_ended_its_traceback_then_its_output(database_url: str) -> None:
    store = open_store(database_url)
    try:
        store.write([RunRecord(
            id=1, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.FAILED, run_mode=RunMode.PROCESS,
            scheduled_for=None, started_at=START, finished_at=START, success=False, error_message="ValueError: row 7",
            traceback=TRACEBACK, ended_by=EndedBy.RAISED, exit_code=0, output=OUTPUT,
        )])
    finally:
        store.close()

    human = show(database_url, "1")
    assert human.returncode == 0, human.stderr
    assert "        ended_by: raised\n" in human.stdout
    fields, traceback, output = human.stdout.split("\n\n")
    assert traceback == TRACEBACK.rstrip()
    assert output == "output:\n15:00:01 INFO feed: fetched 3 rows\nred progress\n15:00:02 ERROR feed: row 7 is bad\n"
    assert "\x1b" not in human.stdout

    document = json.loads(show(database_url, "1", "--json").stdout)
    assert (document["output"], document["ended_by"], document["exit_code"]) == (OUTPUT, "raised", 0)
