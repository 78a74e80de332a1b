"""A config file or variable that cannot be used stops the command before it starts anything: one line on
stderr naming the file (or variable) and the key, exit code 2, and never a password or a token."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.support import REPO, clean_env, jobconsole_command

SECRET = "s3cret-token"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command(*args), cwd=cwd, env=clean_env(PYTHONPATH=str(REPO), **env),
        capture_output=True, text=True, timeout=60,
    )


def assert_one_line_exit_2(completed: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("jobconsole: error: ")
    for part in expected:
        assert part in lines[0]
    assert SECRET not in completed.stderr + completed.stdout
    assert "Traceback" not in completed.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[scheduler]\ngrase_seconds = 30\n", "unknown key [scheduler] grase_seconds (did you mean grace_seconds?)"),
        ("[databse]\nurl = 'sqlite:///x.db'\n", "unknown table [databse] (did you mean [database]?)"),
        ("url = 'sqlite:///x.db'\n", "unknown key url (did you mean [database] url?)"),
        ("[notify.emial]\nhost = 'mail'\n", "unknown table [notify.emial] (did you mean [notify.email]?)"),
        ("[scheduler]\ngrace_seconds = '30'\n", '[scheduler] grace_seconds must be a number of seconds, not a string ("30")'),
        ("[scheduler]\ngrace_seconds = -1\n", "[scheduler] grace_seconds must be more than 0 seconds, not -1"),
        ("[scheduler]\ngrace_seconds = 0\n", "[scheduler] grace_seconds must be more than 0 seconds, not 0"),
        ("[log]\nlevel = 'TRACE'\n", '[log] level must be one of DEBUG, INFO, WARNING, ERROR, not "TRACE"'),
        ("[notify.email]\nsecurity = 'tls'\n", '[notify.email] security must be one of starttls, ssl, none, not "tls"'),
        ("[notify.email]\nport = 70000\n", "[notify.email] port must be a port number between 1 and 65535, not 70000"),
        ("[notify.email]\nto = 'ops@example.org'\n", "[notify.email] to must be a list of addresses"),
        (f"[notify.email]\npassword = 1\nuser = 'jobs'\nto = ['{SECRET}']\n",
         "[notify.email] password must be a password in quotes, not an integer"),
        ("[database]\nurl = ''\n", "[database] url must be a database URL, not empty"),
        ("[[notify.webhook]]\nurls = []\n", "[[notify.webhook]] must be one table, [notify.webhook], not a list of tables"),
        (f"[notify.webhook]\nurls = ['{SECRET}']\n", "[notify.webhook] urls must be a list of URLs, each scheme://...; item 1"),
        ("[alerts]\nreminder_interval = 'hourly'\n", '[alerts] reminder_interval must be a duration such as "30m"'),
        ("[alerts]\nreminder_interval = -60\n", "[alerts] reminder_interval must be more than 0 seconds, not -60"),
        ("[retention]\ndays = -1\n", "[retention] days must be a number of days from 0 (keep every run) to 36500, not -1"),
        ("[retention]\nkeep_per_job = 2.5\n", "[retention] keep_per_job must be a whole number, not a number (2.5)"),
        ("[scheduler]\njobs = 'app.jobs'\ngrace_seconds = \n", "not valid TOML: Invalid value (at line 3, column"),
        ("[scheduler]\njobs = 'app.jobs'\njobs = 'other'\n", "not valid TOML: Cannot overwrite a value (at line 3, column"),
        ("scheduler = 'app.jobs'\n", "scheduler must be a table of settings, [scheduler], not a value"),
    ],
    ids=["unknown-key", "unknown-table", "key-outside-its-table", "unknown-subtable", "wrong-type", "negative-grace",
         "zero-grace", "unknown-log-level", "unknown-smtp-security", "port-out-of-range", "recipients-not-a-list",
         "password-not-a-string", "empty-url", "array-of-tables", "bad-webhook-url", "bad-duration",
         "negative-duration", "negative-retention", "fractional-keep-per-job", "syntax-error", "duplicate-key", "value-for-a-table"],
)
def test_a_bad_config_file_names_the_file_and_the_key(toml: str, expected: str, tmp_path: Path) -> None:
    config = tmp_path / "jobconsole.toml"
    config.write_text(toml)
    completed = run(["--no-ui", "--db", f"sqlite:///{tmp_path / 'runs.db'}"], cwd=tmp_path)
    assert_one_line_exit_2(completed, f"jobconsole: error: {config}: ", expected)
    assert not (tmp_path / "runs.db").exists(), "nothing starts with a bad config"


def test_smtp_settings_that_do_not_go_together_name_where_each_is_set(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text("[notify.email]\nhost = 'smtp.example.org'\n")
    completed = run(["--no-ui", "--config", str(config)], cwd=tmp_path)
    assert_one_line_exit_2(
        completed, f"JOBCONSOLE_SMTP_TO (or [notify.email] to) is not set although [notify.email] host in {config} is"
    )
    completed = run(["--no-ui", "--config", str(config)], cwd=tmp_path,
                    JOBCONSOLE_SMTP_TO="ops@example.org", JOBCONSOLE_SMTP_PASSWORD=SECRET)
    assert_one_line_exit_2(completed, "JOBCONSOLE_SMTP_PASSWORD is set but JOBCONSOLE_SMTP_USER (or [notify.email] user) is not")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--config", "missing.toml"], {}, "cannot read config file {tmp}/missing.toml: No such file or directory"),
        ([], {"JOBCONSOLE_CONFIG": "missing.toml"}, "cannot read config file {tmp}/missing.toml: No such file or directory"),
        (["--config", "."], {}, "cannot read config file {tmp}: Is a directory"),
        (["--config", "latin1.toml"], {}, "{tmp}/latin1.toml: not valid TOML: the file is not UTF-8 text"),
        ([], {"JOBCONSOLE_GRACE_SECONDS": "soon"}, "JOBCONSOLE_GRACE_SECONDS must be a number of seconds, not 'soon'"),
        ([], {"JOBCONSOLE_SMTP_PORT": "0", "JOBCONSOLE_SMTP_HOST": "mail"},
         "JOBCONSOLE_SMTP_PORT must be a port number between 1 and 65535, not '0'"),
    ],
    ids=["missing-file", "missing-file-from-variable", "a-directory", "not-utf8", "bad-variable", "bad-smtp-variable"],
)
def test_a_config_file_that_cannot_be_read_or_a_bad_variable_is_one_line(
    args: list[str], env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    (tmp_path / "latin1.toml").write_bytes("[scheduler]\njobs = 'caf\xe9'\n".encode("latin-1"))
    completed = run(["--no-ui", *args], cwd=tmp_path, **env)
    assert_one_line_exit_2(completed, expected.format(tmp=tmp_path))


@pytest.mark.parametrize("command", [["status"], ["runs", "--json"], ["trigger", "tick"]])
def test_the_shell_commands_check_the_config_file_too(command: list[str], tmp_path: Path) -> None:
    config = tmp_path / "jobconsole.toml"
    config.write_text("[database]\nurl = 5\n")
    completed = run([*command, "--config", str(config)], cwd=tmp_path)
    assert_one_line_exit_2(completed, f"{config}: [database] url must be a database URL in quotes, not an integer")
