"""Each setting comes from a flag, else its environment variable, else the config file, else its default:
one case per setting (every kind of value), read the way the CLI reads them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jobconsole.config import KEYS, load_settings

# key id: (flag value as argparse gives it, variable text, TOML value, and what each of the three reads as)
CASES: dict[str, tuple[Any, str, str, tuple[Any, Any, Any]]] = {
    "database.url": ("sqlite:///flag.db", "sqlite:///env.db", '"postgres://jobs@db/file"',
                     ("postgres://jobs@db/file", "sqlite:///env.db", "sqlite:///flag.db")),
    "scheduler.jobs": ("flag.jobs", "env.jobs", '"file.jobs"', ("file.jobs", "env.jobs", "flag.jobs")),
    "scheduler.grace_seconds": (3.0, "4.5", "5", (5.0, 4.5, 3.0)),
    "scheduler.state_dir": (None, "/env/state", '"/file/state"', ("/file/state", "/env/state", None)),
    "retention.days": (7.0, "14", "30.5", (30.5, 14.0, 7.0)),
    "retention.keep_per_job": (5, "10", "20", (20, 10, 5)),
    "log.level": ("ERROR", "warning", '"debug"', ("DEBUG", "WARNING", "ERROR")),
    "log.file": ("flag.log", "env.log", '"file.log"', ("file.log", "env.log", "flag.log")),
    "notify.email.host": (None, "env.mail", '"file.mail"', ("file.mail", "env.mail", None)),
    "notify.email.port": (None, "2525", "2626", (2626, 2525, None)),
    "notify.email.security": (None, "SSL", '"none"', ("none", "ssl", None)),
    "notify.email.user": (None, "env-user", '"file-user"', ("file-user", "env-user", None)),
    "notify.email.password": (None, " env pass ", '"file pass"', ("file pass", " env pass ", None)),
    "notify.email.from": (None, "env@example.org", '"file@example.org"',
                          ("file@example.org", "env@example.org", None)),
    "notify.email.to": (None, "a@example.org, b@example.org", '["c@example.org"]',
                        (("c@example.org",), ("a@example.org", "b@example.org"), None)),
    "notify.email.timeout": (None, "2.5", "7", (7.0, 2.5, None)),
    "alerts.reminder_interval": (None, "2h", '"30m"', (timedelta(minutes=30), timedelta(hours=2), None)),
    "notify.webhook.urls": (None, "json://127.0.0.1:9/env", '["https://hooks.example.org/T1"]',
                            (("https://hooks.example.org/T1",), ("json://127.0.0.1:9/env",), None)),
    "metrics.port": (9300, "9200", "9100", (9100, 9200, 9300)),
    "metrics.host": ("127.0.0.3", "127.0.0.2", '"127.0.0.1"', ("127.0.0.1", "127.0.0.2", "127.0.0.3")),
}

# Settings that must come together for the others to be checked: SMTP needs a recipient once a host is set,
# and a login needs both halves.
COMPANIONS: dict[str, dict[str, str]] = {
    "notify.email.host": {"notify.email.to": '["ops@example.org"]'},
    "notify.email.user": {"notify.email.password": '"pw"'},
    "notify.email.password": {"notify.email.user": '"someone"'},
}


def test_every_setting_has_a_case() -> None:
    assert set(CASES) == {key.id for key in KEYS}


def write_config(path: Path, values: dict[str, str]) -> Path:
    tables: dict[str, list[str]] = {}
    for key_id, literal in values.items():
        table, _, name = key_id.rpartition(".")
        tables.setdefault(table, []).append(f"{name} = {literal}")
    path.write_text("".join(f"[{table}]\n" + "\n".join(lines) + "\n\n" for table, lines in tables.items()))
    return path


@pytest.mark.parametrize("key_id", list(CASES))
def test_a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default(key_id: str, tmp_path: Path) -> None:
    key = next(key for key in KEYS if key.id == key_id)
    flag, text, literal, (from_file, from_env, from_flag) = CASES[key_id]
    config = write_config(tmp_path / "jobconsole.toml", {key_id: literal, **COMPANIONS.get(key_id, {})})
    environ = {key.env: text} if key.env and text else {}

    nothing = load_settings(environ={}, cwd=tmp_path / "elsewhere")
    assert (nothing.values[key_id], nothing.origins[key_id]) == (key.default, "default")

    only_file = load_settings(environ={}, config=str(config), cwd=tmp_path)
    assert only_file.values[key_id] == from_file
    assert only_file.origins[key_id] == f"{key.label} in {config}"

    if key.env:
        env_and_file = load_settings(environ=environ, config=str(config), cwd=tmp_path)
        assert (env_and_file.values[key_id], env_and_file.origins[key_id]) == (from_env, key.env)
    if key.flag:
        everything = load_settings({key_id: flag}, environ=environ, config=str(config), cwd=tmp_path)
        assert (everything.values[key_id], everything.origins[key_id]) == (from_flag, key.flag)


def test_the_typed_settings_hold_the_winning_values(tmp_path: Path) -> None:
    config = write_config(tmp_path / "jobconsole.toml", {
        "database.url": '"postgres://jobs@db/app"', "scheduler.jobs": '"myapp.jobs"', "scheduler.grace_seconds": "30",
        "log.level": '"warning"', "scheduler.state_dir": '"/var/lib/jobconsole"',
    })
    settings = load_settings({"log.level": "DEBUG"}, environ={"JOBCONSOLE_GRACE_SECONDS": "12"}, config=str(config))
    assert (settings.database_url, settings.jobs, settings.grace_seconds, settings.log_level, settings.state_dir) == (
        "postgres://jobs@db/app", "myapp.jobs", 12.0, "DEBUG", "/var/lib/jobconsole"
    )
    assert settings.config_file == config
    assert settings.email is None


def test_email_settings_may_come_from_the_file_and_the_password_from_the_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path / "jobconsole.toml", {
        "notify.email.host": '"smtp.example.org"', "notify.email.user": '"jobs@example.org"',
        "notify.email.to": '["ops@example.org", "oncall@example.org"]', "notify.email.security": '"ssl"',
    })
    settings = load_settings(environ={"JOBCONSOLE_SMTP_PASSWORD": "correct horse"}, config=str(config))
    email = settings.email
    assert email is not None
    assert (email.host, email.port, email.security, email.user, email.password, email.sender, email.recipients) == (
        "smtp.example.org", 465, "ssl", "jobs@example.org", "correct horse", "jobs@example.org",
        ("ops@example.org", "oncall@example.org"),
    )
    assert "correct horse" not in repr(settings)


def test_the_config_file_is_the_flag_else_the_variable_else_the_one_in_the_working_directory(tmp_path: Path) -> None:
    for name in ("flag", "variable", "cwd"):
        write_config(tmp_path / f"{name}.toml", {"scheduler.jobs": f'"{name}.jobs"'})
    (tmp_path / "jobconsole.toml").write_bytes((tmp_path / "cwd.toml").read_bytes())
    environ = {"JOBCONSOLE_CONFIG": "variable.toml"}

    assert load_settings(config="flag.toml", environ=environ, cwd=tmp_path).jobs == "flag.jobs"
    assert load_settings(environ=environ, cwd=tmp_path).jobs == "variable.jobs"
    assert load_settings(environ={}, cwd=tmp_path).jobs == "cwd.jobs"
    assert load_settings(environ={}, cwd=tmp_path / "elsewhere").config_file is None


def test_a_blank_variable_counts_as_not_set(tmp_path: Path) -> None:
    config = write_config(tmp_path / "jobconsole.toml", {"scheduler.jobs": '"file.jobs"'})
    settings = load_settings(environ={"JOBCONSOLE_JOBS": "  "}, config=str(config))
    assert (settings.jobs, settings.origins["scheduler.jobs"]) == ("file.jobs", f"[scheduler] jobs in {config}")


def test_alert_and_metrics_settings_come_from_the_file_or_their_variables(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "jobconsole.toml",
        {"alerts.reminder_interval": "900", "metrics.port": "9464", "notify.webhook.urls": '["json://127.0.0.1:8080/hook"]'},
    )
    settings = load_settings(environ={}, config=str(config))
    assert settings.alerts.reminder_interval == timedelta(minutes=15)
    assert settings.alerts.webhook_urls == ("json://127.0.0.1:8080/hook",)
    assert (settings.metrics_port, settings.metrics_host) == (9464, "127.0.0.1")
    environ = {"JOBCONSOLE_ALERT_REMINDER": "2h", "JOBCONSOLE_METRICS_PORT": "0"}
    overridden = load_settings(environ=environ, config=str(config))
    assert (overridden.alerts.reminder_interval, overridden.metrics_port) == (timedelta(hours=2), 0)


def test_the_smtp_keys_are_the_ones_the_email_notifier_knows() -> None:
    from jobconsole.config.keys import SMTP_SECURITY_MODES
    from jobconsole.notify.email import ENV_PREFIX, SECURITY_MODES, SETTING_KEYS

    smtp = [key for key in KEYS if key.table == "notify.email"]
    assert [key.name for key in smtp] == list(SETTING_KEYS)
    assert [key.env for key in smtp] == [ENV_PREFIX + name.upper() for name in SETTING_KEYS]
    assert SMTP_SECURITY_MODES == SECURITY_MODES
