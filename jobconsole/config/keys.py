"""Every setting: its key in ``jobconsole.toml``, its environment variable and flag, its kind and default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jobconsole.config.kinds import Addresses, Choice, Count, Days, Duration, Kind, Port, Seconds, Text, Urls
from jobconsole.store.light import DEFAULT_DATABASE_URL

DEMO_JOBS_MODULE = "sample_jobs.demo"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SMTP_ENV_PREFIX = "JOBCONSOLE_SMTP_"
SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
"""As :mod:`jobconsole.notify.email` has them (tests/config checks): importing the notifiers here would
slow every shell command down."""


class Key:
    """One setting. ``table`` and ``name`` place it in the file (``[scheduler] grace_seconds``)."""

    __slots__ = ("table", "name", "kind", "default", "env", "flag")

    def __init__(
        self, table: str, name: str, kind: Kind, default: Any = None, env: str | None = None, flag: str | None = None
    ) -> None:
        self.table, self.name, self.kind, self.default = table, name, kind, default
        self.env, self.flag = env, flag

    @property
    def id(self) -> str:
        return f"{self.table}.{self.name}"

    @property
    def label(self) -> str:
        return f"[{self.table}] {self.name}"

    def __repr__(self) -> str:
        return f"Key({self.id})"


def _smtp(name: str, kind: Kind) -> Key:
    return Key("notify.email", name, kind, env=SMTP_ENV_PREFIX + name.upper())


KEYS: tuple[Key, ...] = (
    Key("database", "url", Text("a database URL", secret=True), DEFAULT_DATABASE_URL,
        "JOBCONSOLE_DATABASE_URL", "--db"),
    Key("scheduler", "jobs", Text("a module name"), DEMO_JOBS_MODULE, "JOBCONSOLE_JOBS", "--jobs"),
    Key("scheduler", "grace_seconds", Seconds(), 10.0, "JOBCONSOLE_GRACE_SECONDS", "--grace"),
    Key("scheduler", "state_dir", Text("a directory"), None, "JOBCONSOLE_STATE_DIR"),
    Key("retention", "days", Days(), 90.0, "JOBCONSOLE_RETENTION_DAYS", "--retention-days"),
    Key("retention", "keep_per_job", Count(), None, "JOBCONSOLE_KEEP_PER_JOB", "--keep-per-job"),
    Key("log", "level", Choice(LOG_LEVELS, upper=True), "INFO", "JOBCONSOLE_LOG_LEVEL", "--log-level"),
    Key("log", "file", Text("a file name"), None, "JOBCONSOLE_LOG_FILE", "--log-file"),
    _smtp("host", Text("a host name")),
    _smtp("port", Port()),
    _smtp("security", Choice(SMTP_SECURITY_MODES)),
    _smtp("user", Text("a login")),
    _smtp("password", Text("a password", secret=True, strip=False)),
    _smtp("from", Text("an address")),
    _smtp("to", Addresses()),
    _smtp("timeout", Seconds()),
    Key("notify.webhook", "urls", Urls(), (), "JOBCONSOLE_NOTIFY_URLS"),
    Key("alerts", "reminder_interval", Duration(), timedelta(hours=1), "JOBCONSOLE_ALERT_REMINDER"),
    Key("metrics", "port", Port(allow_off=True), 0, "JOBCONSOLE_METRICS_PORT", "--metrics-port"),
    Key("metrics", "host", Text("an address"), "127.0.0.1", "JOBCONSOLE_METRICS_HOST", "--metrics-host"),
)

BY_ID = {key.id: key for key in KEYS}
TABLES = {"database", "scheduler", "retention", "log", "notify", "notify.email", "notify.webhook", "alerts", "metrics"}
