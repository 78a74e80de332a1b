"""The spool: records that never reached the database, kept in a file until the next start."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import schedule

from jobconsole.engine.spool import Spool
from jobconsole.runs import HistoryQuery, RunMode, RunRecord, RunStatus, TriggeredBy
from tests.engine import jobs_for_tests

START = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def finished(run_id: int, error: str = "") -> RunRecord:
    return RunRecord(
        id=run_id, job_name="feed", triggered_by=TriggeredBy.SCHEDULED, status=RunStatus.FAILED, scheduled_for=START,
        run_mode=RunMode.THREAD, started_at=START, finished_at=START, success=False,
        error_message=f"run {run_id} failed {error}",
    )


def test_a_garbled_spool_file_is_set_aside_and_start_goes_on(make_scheduler, store, tmp_path, caplog) -> None:
    spool_dir = tmp_path / "spool"
    path, saved = Spool(spool_dir, store.database_id()).save([finished(1), finished(2)])
    assert saved == 2 and path is not None
    # A torn last line (the disk filled, the machine lost power) and a line of garbage in the middle.
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n{not json at all\n" + lines[1][: len(lines[1]) // 2])
    scheduler = make_scheduler(spool_dir=spool_dir)
    scheduler.register("feed", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    with caplog.at_level(logging.WARNING, logger="jobconsole.engine"):
        scheduler.start()
    assert store.get_run(1).error_message == "run 1 failed "
    aside = path.with_name(path.name + ".unreadable")
    assert aside.exists() and not path.exists()
    assert f"2 lines of the spool file {path} could not be read" in caplog.text and str(aside) in caplog.text
    # And the scheduler works: a run after the replay gets an id after every one in use.
    run_id = scheduler.run_job("feed").run_id
    assert scheduler.wait_for_run(run_id, 10) and scheduler.flush()
    rows = store.history(HistoryQuery()).rows
    assert rows[0].id == run_id and [row.id for row in rows] == sorted((row.id for row in rows), reverse=True)
    # The daily occurrences since the replayed one fell while no scheduler ran: one row says so.
    (missed,) = [row for row in rows if row.status is RunStatus.MISSED]
    first = START.replace(day=27, hour=3)
    assert missed.scheduled_for == first
    assert missed.missed_count == ((datetime.now(timezone.utc) - timedelta(seconds=60) - first) // timedelta(days=1)) + 1


def _save_with_file_size_limit(spool_dir: Path, limit: int, count: int) -> dict:
    """Spool.save in a child process whose files may not grow past ``limit`` bytes: a full disk, for real."""
    script = textwrap.dedent(f"""
        import json, resource, signal, sys
        from datetime import datetime, timedelta, timezone
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from tests.engine.test_spool import finished
        from jobconsole.engine.spool import Spool
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        path, saved = Spool(Path({str(spool_dir)!r}), "sqlite:///runs.db").save(
            [finished(i, "x" * 200) for i in range(1, {count} + 1)])
        print(json.dumps({{"path": str(path) if path else None, "saved": saved}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_on_a_full_disk_the_spool_keeps_what_fits_and_leaves_no_torn_or_empty_file(tmp_path) -> None:
    spool_dir = tmp_path / "spool"
    result = _save_with_file_size_limit(spool_dir, limit=2_000, count=22)
    assert 0 < result["saved"] < 22
    ops, unreadable = Spool.load(Path(result["path"]))
    assert unreadable == 0
    assert [op.id for op in ops] == list(range(1, result["saved"] + 1))
    assert not list(spool_dir.glob("*.partial"))

    nothing = _save_with_file_size_limit(tmp_path / "empty", limit=0, count=22)
    assert nothing == {"path": None, "saved": 0}
    assert not list((tmp_path / "empty").iterdir())


def test_a_spooled_record_whose_id_was_taken_meanwhile_gets_a_new_one(make_scheduler, store, tmp_path, caplog) -> None:
    """A scheduler cut off from the database spooled run 1 at shutdown; meanwhile a standby led and
    recorded its own run 1. Replaying must neither fail the start nor overwrite that row."""
    spool_dir = tmp_path / "spool"
    Spool(spool_dir, store.database_id()).save([finished(1, "from the spool")])
    theirs = RunRecord(id=1, job_name="other", triggered_by=TriggeredBy.MANUAL, status=RunStatus.SUCCEEDED,
                       run_mode=RunMode.THREAD, scheduled_for=None, started_at=START + timedelta(hours=1),
                       finished_at=START + timedelta(hours=1), success=True)
    store.write([theirs])
    scheduler = make_scheduler(spool_dir=spool_dir)
    with caplog.at_level(logging.WARNING, logger="jobconsole.engine"):
        scheduler.start()
    assert store.get_run(1).job_name == "other"
    moved = store.get_run(2)
    assert (moved.job_name, moved.error_message) == ("feed", "run 1 failed from the spool")
    assert "1 → 2" in caplog.text
    assert list(spool_dir.glob("*.jsonl")) == []


def test_the_spool_is_found_from_any_directory_and_any_spelling_of_the_url(tmp_path, monkeypatch) -> None:
    """It is keyed to the database's own id and kept in the state directory, not the working directory."""
    from jobconsole.engine import JobScheduler
    from jobconsole.engine.state_dir import state_directory
    from jobconsole.store import open_store

    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    first = open_store(f"sqlite:///{tmp_path / 'data' / 'runs.db'}")
    Spool(state_directory(first.database_id()), first.database_id()).save([finished(1)])
    first.close()
    monkeypatch.chdir(tmp_path / "elsewhere")
    spelled_otherwise = open_store("sqlite:///../elsewhere/../data/./runs.db")
    scheduler = JobScheduler(spelled_otherwise, notifiers=[])
    scheduler.start()
    try:
        assert spelled_otherwise.get_run(1).error_message == "run 1 failed "
    finally:
        scheduler.shutdown()
        spelled_otherwise.close()


def test_a_spooled_record_keeps_the_runs_output(store, tmp_path) -> None:
    output = "12:00:01 INFO feed: fetched 3 rows\nTraceback? no: \"quoted\"\ttabbed\n"
    path, saved = Spool(tmp_path / "spool", store.database_id()).save([replace(finished(1), output=output)])
    assert saved == 1 and path is not None
    (loaded,), unreadable = Spool.load(path)
    assert unreadable == 0 and loaded.output == output
