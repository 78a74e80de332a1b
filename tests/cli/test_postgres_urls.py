"""``jobconsole`` on a ``postgres://`` URL, the form a DATABASE_URL usually has: a scheduler records its runs
and the shell commands read them, on the real PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from tests.cli.support import REPO, Server, clean_env, jobconsole_command


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_scheduler_and_the_shell_commands_work_on_a_postgres_url(database_url: str, tmp_path) -> None:
    url = database_url.replace("postgresql+psycopg2://", "postgres://", 1)
    server = Server("--jobs", "tests.cli.jobs_tick", "--grace", "1",
                    env={"JOBCONSOLE_DATABASE_URL": url, "JOBCONSOLE_TEST_TICKS": str(tmp_path / "ticks")})
    try:
        server.wait_for_lines("run finished job=tick")
        status = subprocess.run(jobconsole_command("status", "--db", url), cwd=REPO, env=clean_env(),
                                capture_output=True, text=True, timeout=60)
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith("live: ")
    finally:
        server.process.send_signal(signal.SIGTERM)
        assert server.finish() == 0
    runs = subprocess.run(jobconsole_command("runs", "--json", "--db", url), cwd=REPO, env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert runs.returncode == 0, runs.stderr
    assert {row["job_name"] for row in json.loads(runs.stdout)} == {"tick"}
