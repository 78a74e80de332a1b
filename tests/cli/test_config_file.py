"""The real command on a jobconsole.toml: a scheduler runs what the file says, the shell commands read its
database, email goes where it says, and --show-config tells which value won and where it came from."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import tomllib
from pathlib import Path

from jobconsole.runs import HistoryQuery
from jobconsole.store import open_store
from tests.cli.support import REPO, Server, clean_env, jobconsole_command
from tests.store.factories import finished_run
from tests.support.smtp import LocalSmtpServer


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command(*args), cwd=cwd, env=clean_env(PYTHONPATH=str(REPO), **env),
        capture_output=True, text=True, timeout=60,
    )


def test_a_scheduler_runs_the_jobs_on_the_database_the_file_in_its_directory_names(tmp_path: Path) -> None:
    config = tmp_path / "jobconsole.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "runs.db"}"\n'
        f'[scheduler]\njobs = "tests.cli.jobs_tick"\ngrace_seconds = 1\nstate_dir = "{tmp_path / "state"}"\n'
        '[log]\nlevel = "DEBUG"\n'
    )
    server = Server(cwd=tmp_path, env={"PYTHONPATH": str(REPO), "JOBCONSOLE_TEST_TICKS": str(tmp_path / "ticks")})
    server.wait_for_lines("run finished job=tick")
    server.process.send_signal(signal.SIGTERM)
    assert server.finish() == 0

    log = "".join(server.lines)
    assert f"settings from {config}" in log
    assert " DEBUG " in log
    assert not (tmp_path / "jobconsole.db").exists(), "the default database was not used"
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    try:
        assert {row.job_name for row in store.history(HistoryQuery(limit=10)).rows} == {"tick"}
        # The start journal went to the configured state directory, under the database's id.
        assert (tmp_path / "state" / store.database_id()).is_dir()
    finally:
        store.close()


def test_the_shell_commands_read_the_database_the_config_file_names(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'runs.db'}"
    store = open_store(database)
    store.write([finished_run(1, job_name="sync_partner_feed")])
    store.close()
    config = tmp_path / "app.toml"
    config.write_text(f'[database]\nurl = "{database}"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    runs = run(["runs", "--json", "--config", str(config)], cwd=elsewhere)
    assert runs.returncode == 0, runs.stderr
    assert [row["job_name"] for row in json.loads(runs.stdout)] == ["sync_partner_feed"]

    show = run(["show", "1"], cwd=elsewhere, JOBCONSOLE_CONFIG=str(config))
    assert show.returncode == 0, show.stderr
    assert "sync_partner_feed" in show.stdout

    status = run(["status", "--config", str(config)], cwd=elsewhere)
    assert status.returncode == 1
    assert f"not live: no scheduler has ever led {database}" in status.stderr

    # --db wins over the file.
    other = run(["runs", "--json", "--config", str(config), "--db", f"sqlite:///{tmp_path / 'other.db'}"], cwd=elsewhere)
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout) == []


def test_show_config_says_which_value_won_and_where_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "jobconsole.toml"
    config.write_text(
        '[database]\nurl = "postgres://jobs:s3cret@db.internal/app"\n'
        '[scheduler]\njobs = "file.jobs"\ngrace_seconds = 5\n'
        '[log]\nlevel = "debug"\n'
        '[notify.email]\nhost = "smtp.example.org"\nuser = "jobs@example.org"\nto = ["ops@example.org"]\n'
    )
    shown = run(["--show-config", "--grace", "9"], cwd=tmp_path,
                JOBCONSOLE_JOBS="env.jobs", JOBCONSOLE_GRACE_SECONDS="7", JOBCONSOLE_SMTP_PASSWORD="hunter2")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f'url = "postgres://jobs:***@db.internal/app"  # [database] url in {config}' in lines
    assert 'jobs = "env.jobs"  # JOBCONSOLE_JOBS' in lines
    assert "grace_seconds = 9.0  # --grace" in lines
    assert f'level = "DEBUG"  # [log] level in {config}' in lines
    assert "# file is not set" in lines
    assert 'password = "***"  # JOBCONSOLE_SMTP_PASSWORD' in lines
    assert "s3cret" not in shown.stdout and "hunter2" not in shown.stdout
    # What it prints is a config file itself.
    settings = tomllib.loads(shown.stdout)
    assert settings["scheduler"] == {"jobs": "env.jobs", "grace_seconds": 9.0}
    assert "port" not in settings["notify"]["email"], "a setting not given is a comment, not its default"


def test_email_goes_where_the_config_file_says_also_from_a_job_calling_notify_job_failure(tmp_path: Path) -> None:
    smtp = LocalSmtpServer().start()
    try:
        # Not ./jobconsole.toml: the process run finds the file only because the command tells it which it read.
        config = tmp_path / "app.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "runs.db"}"\n'
            '[scheduler]\njobs = "tests.cli.jobs_notify"\ngrace_seconds = 1\n'
            f'[notify.email]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
            'from = "jobconsole@example.org"\nto = ["ops@example.org"]\n'
        )
        server = Server("--config", str(config), cwd=tmp_path, env={"PYTHONPATH": str(REPO)})
        subjects: set[str] = set()
        deadline = time.monotonic() + 30
        try:
            while len(subjects) < 2 and time.monotonic() < deadline:
                subjects.add(str(smtp.next_message().message["Subject"]).split(" (run")[0])
        finally:
            server.process.send_signal(signal.SIGTERM)
            assert server.finish() == 0
    finally:
        smtp.stop()
    # The scheduler's own notice of a failed run, and one a process run sent itself.
    assert subjects == {"[jobconsole] job breaks failed", "[jobconsole] job partner_feed_check failed"}
