"""``jobconsole purge --older-than AGE [--keep-per-job N] [--dry-run]``: old runs deleted by hand, per job,
runs in progress kept; bad input is one line and exit 2 (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from jobconsole.store import open_store

from .support import REPO, clean_env, jobconsole_command


def purge(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command("purge", *args, "--db", database_url),
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60,
    )


def seed(database_url: str) -> None:
    """feed: 4 runs 40 days old and 1 of yesterday; report: 2 runs 40 days old, one of them still running."""
    now = datetime.now(timezone.utc)
    store = open_store(database_url)
    try:
        store.write([
            RunRecord(
                id=run_id, job_name=job, triggered_by=TriggeredBy.MANUAL, status=status, run_mode=RunMode.THREAD,
                scheduled_for=None, started_at=now - timedelta(days=days, minutes=10 - run_id),
            )
            for run_id, job, days, status in (
                (1, "feed", 40, RunStatus.SUCCEEDED), (2, "feed", 40, RunStatus.FAILED), (3, "report", 40, RunStatus.RUNNING),
                (4, "feed", 40, RunStatus.SUCCEEDED), (5, "feed", 40, RunStatus.SUCCEEDED),
                (6, "report", 40, RunStatus.SUCCEEDED), (7, "feed", 1, RunStatus.SUCCEEDED),
            )
        ])
    finally:
        store.close()


def ids(database_url: str) -> list[int]:
    store = open_store(database_url)
    try:
        return sorted(row.id for row in store.history(HistoryQuery(limit=100)).rows)
    finally:
        store.close()


def test_purge_says_per_job_what_it_would_delete_then_deletes_it_keeping_runs_in_progress(database_url: str) -> None:
    seed(database_url)
    dry = purge(database_url, "--older-than", "30d", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("would delete 4 runs of 1 jobs started before ")
    assert [line.split() for line in lines[1:] if line.startswith("feed")] == [["feed", "4"]]
    assert lines[-1] == "kept: runs in progress, each job's newest run and last occurrence"
    assert ids(database_url) == [1, 2, 3, 4, 5, 6, 7]

    done = purge(database_url, "--older-than", "30d", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert (document["dry_run"], document["deleted"], document["total"]) == (False, {"feed": 4}, 4)
    # 3 is still running; 6 is report's newest run; 7 is new.
    assert ids(database_url) == [3, 6, 7]


def test_keep_per_job_keeps_each_jobs_newest_runs_however_old(database_url: str) -> None:
    seed(database_url)
    done = purge(database_url, "--older-than", "12h", "--keep-per-job", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("deleted 2 runs of 1 jobs started before ")
    assert done.stdout.splitlines()[-1] == (
        "kept: runs in progress, each job's newest run and last occurrence, and each job's newest 3 runs")
    assert ids(database_url) == [3, 4, 5, 6, 7]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--older-than", "30x"], "argument --older-than: '30x' is not a duration such as 30m, 2h or 7d"),
        (["--older-than=-3d"], "argument --older-than: '-3d' is not a duration such as 30m, 2h or 7d"),
        (["--older-than", "0h"], "argument --older-than: '0h' must be more than 0, such as 30d, 12h or 90m"),
        ([], "the following arguments are required: --older-than"),
        (["--older-than", "30d", "--keep-per-job", "0"], "argument --keep-per-job: '0' must be at least 1"),
        (["--older-than", "30d", "--keep-per-job", "all"], "argument --keep-per-job: 'all' is not a whole number"),
    ],
    ids=["unknown-unit", "negative", "zero", "missing", "keep-zero", "keep-not-a-number"],
)
def test_bad_input_is_one_line_and_exit_2_and_deletes_nothing(database_url: str, args: list[str], expected: str) -> None:
    seed(database_url)
    done = purge(database_url, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"jobconsole purge: error: {expected} (see jobconsole purge --help)"]
    assert len(ids(database_url)) == 7


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--retention-days", "-1"], {},
         "jobconsole: error: argument --retention-days: must be a number of days from 0 (keep every run) to 36500, "
         "not '-1' (see jobconsole --help)"),
        (["--keep-per-job", "none"], {},
         "jobconsole: error: argument --keep-per-job: must be a whole number, not 'none' (see jobconsole --help)"),
        ([], {"JOBCONSOLE_RETENTION_DAYS": "ninety"},
         "jobconsole: error: JOBCONSOLE_RETENTION_DAYS must be a number of days, not 'ninety'"),
    ],
    ids=["negative-days", "keep-not-a-number", "bad-variable"],
)
def test_bad_retention_settings_for_the_scheduler_are_one_line_and_exit_2(args, env, expected, tmp_path) -> None:
    done = subprocess.run(
        jobconsole_command("--no-ui", "--db", f"sqlite:///{tmp_path / 'runs.db'}", *args),
        cwd=tmp_path, env=clean_env(**env), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and done.stderr.splitlines() == [expected]
    assert not (tmp_path / "runs.db").exists()
