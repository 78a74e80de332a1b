"""Every kind of bad input gets one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.cli.support import REPO, clean_env, jobconsole_command


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command("--no-ui", *args), cwd=REPO, env=clean_env(**env),
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--jobs", "no_such_app.jobs"], {}, "cannot import jobs module 'no_such_app.jobs': no module named 'no_such_app'"),
        (["--jobs", "tests.cli.jobs_without_setup"], {}, "has no setup_scheduled_jobs function"),
        (["--jobs", "tests.cli.jobs_broken"], {},
         "setup_scheduled_jobs() in 'tests.cli.jobs_broken' raised RuntimeError: missing setting PARTNER_FEED_URL"),
        (["--db", "postgresql+psycopg2://user:s3cret@127.0.0.1:notaport/db"], {}, "malformed database URL"),
        (["--db", "mysql://user:s3cret@127.0.0.1/db"], {}, "unsupported database URL"),
        (["--db", f"postgresql+psycopg2://user:s3cret@127.0.0.1:{_closed_port()}/db"], {}, "cannot reach database"),
        (["--grace", "-1"], {}, "argument --grace: '-1' must be more than 0 seconds"),
        (["--bogus"], {}, "unrecognized arguments: --bogus"),
        ([], {"JOBCONSOLE_SMTP_HOST": "127.0.0.1", "JOBCONSOLE_SMTP_PORT": "smtp"}, "JOBCONSOLE_SMTP_PORT"),
        (["--db", f"postgresql://user@127.0.0.1:{_closed_port()}/db?password=s3cret"], {}, "cannot reach database"),
        ([], {"JOBCONSOLE_LOG_LEVEL": "TRACE"}, "JOBCONSOLE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'TRACE'"),
        (["--log-level", "trace"], {}, "argument --log-level: invalid choice: 'TRACE'"),
        (["--log-file", "/nonexistent-dir/jobconsole.log"], {}, "cannot write the log file '/nonexistent-dir/jobconsole.log'"),
        (["--log-file", "/"], {}, "cannot write the log file '/': Is a directory"),
        (["--db", "sqlite:///"], {}, "--db 'sqlite:///' names no database file"),
        (["--jobs", "tests.cli.jobs_without_stop_event"], {},
         "job 'tidy_up': func must take one argument, the stop_event"),
        (["--jobs", "tests.cli.jobs_bad_cron"], {}, "job 'tidy_up': cron expression '61 * * * *': bad minute field"),
        (["--jobs", "tests.cli.jobs_cron_local_time"], {"TZ": "Nowhere/Land"},
         "job 'tidy_up': cannot tell this machine's time zone (tzlocal() does not support non-zoneinfo timezones"),
    ],
    ids=["unknown-module", "no-setup", "setup-raises", "malformed-url", "unsupported-db", "unreachable-db",
         "bad-grace", "unknown-flag", "bad-smtp-env", "password-in-query", "bad-log-level-env", "bad-log-level-flag",
         "log-file-in-missing-dir", "log-file-is-a-directory", "sqlite-without-a-path", "job-without-stop-event",
         "job-with-bad-cron", "cron-in-a-local-zone-that-names-none"],
)
def test_bad_input_gives_one_line_and_exit_code_2(args, env, expected, tmp_path) -> None:
    if not any(a == "--db" for a in args):
        args = [*args, "--db", f"sqlite:///{tmp_path / 'runs.db'}"]
    completed = run_cli(*args, **env)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("jobconsole: error: ")
    assert expected in lines[0]
    assert "s3cret" not in completed.stderr
