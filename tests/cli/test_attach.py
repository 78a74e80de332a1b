"""A headless scheduler seen and steered from elsewhere through its database: the shell CLI, pause and
resume across a restart, and what happens when no scheduler is there to answer."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import datetime
from typing import Any

import pytest

from jobconsole.runs import HistoryQuery, RunStatus
from jobconsole.store import open_store

from .support import REPO, Server, clean_env, jobconsole_command, wait_until

JOBS = ("--jobs", "tests.cli.jobs_attach")


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``jobconsole ARGS --db URL`` as an operator's shell runs it."""
    return subprocess.run(
        jobconsole_command(*args, "--db", database_url),
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60,
    )


def cli_json(database_url: str, *args: str) -> Any:
    done = cli(database_url, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def start_server(database_url: str) -> Server:
    server = Server(*JOBS, "--db", database_url, "--grace", "1")
    server.wait_for_lines("scheduler started")
    # Attached readers see it once it has published (within a second of starting).
    wait_until(lambda: cli(database_url, "status").returncode == 0 or None, timeout=20)
    return server


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.finish() == 0


def row_status(database_url: str, run_id: int) -> RunStatus | None:
    store = open_store(database_url)
    try:
        row = store.get_run(run_id)
    finally:
        store.close()
    return None if row is None else row.status


def test_the_shell_cli_looks_at_and_steers_a_headless_scheduler(database_url: str) -> None:
    server = start_server(database_url)
    try:
        status = cli(database_url, "status")
        assert status.returncode == 0
        assert f"pid {server.process.pid} on " in status.stdout and status.stdout.startswith("live:")

        jobs = {job["name"]: job for job in cli_json(database_url, "jobs")["jobs"]}
        assert set(jobs) == {"tick", "nightly"}
        assert jobs["tick"]["schedule"] == "every second" and not jobs["tick"]["paused"]

        triggered = cli(database_url, "trigger", "nightly")
        assert triggered.returncode == 0, triggered.stderr
        assert triggered.stdout.startswith("started nightly (run ")
        run_id = int(triggered.stdout.split("(run ")[1].rstrip(")\n"))
        assert wait_until(lambda: row_status(database_url, run_id)) is RunStatus.RUNNING

        again = cli(database_url, "trigger", "nightly")
        assert again.returncode == 1 and "already running" in again.stderr

        stopped = cli(database_url, "stop", str(run_id))
        assert stopped.returncode == 0, stopped.stderr
        assert wait_until(lambda: row_status(database_url, run_id) if row_status(database_url, run_id) is not RunStatus.RUNNING else None) is RunStatus.STOPPED

        shown = cli_json(database_url, "show", str(run_id))
        assert shown["status"] == "stopped" and shown["triggered_by"] == "manual"
        assert [command["kind"] for command in shown["commands"]] == ["trigger", "stop"]
        assert all("@" in command["by"] and command["ok"] for command in shown["commands"])

        runs = cli_json(database_url, "runs", "--job", "nightly", "--status", "stopped,failed")
        assert [run["id"] for run in runs] == [run_id]
        table = cli(database_url, "runs", "--limit", "3", "--since", "1h")
        assert table.returncode == 0 and "tick" in table.stdout and "succeeded" in table.stdout

        unknown = cli(database_url, "trigger", "no_such_job")
        assert unknown.returncode == 1 and unknown.stderr.strip() == "no job named 'no_such_job'"
        bad = cli(database_url, "runs", "--status", "exploded")
        assert bad.returncode == 2 and "unknown status 'exploded'" in bad.stderr and "Traceback" not in bad.stderr
        missing = cli(database_url, "show", "999999")
        assert missing.returncode == 1 and missing.stderr.startswith("jobconsole: error: no run 999999")
    finally:
        stop_server(server)

    after = cli(database_url, "trigger", "tick")
    assert after.returncode == 2
    assert after.stderr.startswith("jobconsole: error: no live scheduler leads") and "nothing was done" in after.stderr
    assert len(after.stderr.strip().splitlines()) == 1
    assert cli(database_url, "status").returncode == 1


def test_a_paused_job_is_not_run_stays_paused_across_a_restart_and_runs_again_when_resumed(database_url: str) -> None:
    server = start_server(database_url)
    try:
        paused = cli(database_url, "pause", "tick")
        assert paused.returncode == 0 and paused.stdout.strip() == "paused tick"
        assert cli(database_url, "pause", "tick").returncode == 1
        store = open_store(database_url)
        try:

            def published_tick() -> Any:
                (tick,) = [job for job in cli_json(database_url, "jobs")["jobs"] if job["name"] == "tick"]
                return tick

            first = wait_until(lambda: published_tick() if published_tick()["paused"] else None)
            # Two occurrences of the paused job pass (its next due time moves on twice), and neither is run.
            later = wait_until(lambda: published_tick() if published_tick()["next_run"] > first["next_run"] else None, 15)
            wait_until(lambda: published_tick()["next_run"] > later["next_run"] or None, timeout=15)
            paused_from = datetime.fromisoformat(first["next_run"])
            rows = store.history(HistoryQuery(job_name="tick", limit=200)).rows
            ran_while_paused = [
                row.id for row in rows
                if row.scheduled_for is not None and row.scheduled_for >= paused_from
            ]
            assert ran_while_paused == []
        finally:
            store.close()
    finally:
        stop_server(server)

    server = start_server(database_url)
    try:
        (tick,) = [job for job in cli_json(database_url, "jobs")["jobs"] if job["name"] == "tick"]
        assert tick["paused"], "the pause did not survive the restart"
        manual = cli(database_url, "trigger", "tick")
        assert manual.returncode == 0, "a paused job can still be triggered by hand"
        resumed = cli(database_url, "resume", "tick")
        assert resumed.returncode == 0 and resumed.stdout.strip() == "resumed tick"
        store = open_store(database_url)
        try:
            wait_until(
                lambda: [row for row in store.history(HistoryQuery(job_name="tick")).rows
                         if row.triggered_by.value == "scheduled" and row.scheduled_for > paused_from] or None,
                timeout=15,
            )
        finally:
            store.close()
    finally:
        stop_server(server)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_commands_still_reach_the_leader_after_its_database_sessions_are_terminated(database_url: str) -> None:
    from sqlalchemy import create_engine, text

    server = start_server(database_url)
    try:
        engine = create_engine(database_url)
        with engine.connect() as connection:
            killed = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar()
        engine.dispose()
        assert killed, "the leader had no session to terminate"
        # The leader reconnects on its next look: the command is carried out, not lost.
        triggered = wait_until(lambda: (done := cli(database_url, "trigger", "nightly")).returncode == 0 and done or None, 30)
        assert triggered.stdout.startswith("started nightly (run ")
        assert cli(database_url, "status").returncode == 0
    finally:
        stop_server(server)
