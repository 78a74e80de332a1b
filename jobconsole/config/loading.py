"""Reading the settings: for each one a flag, else its ``JOBCONSOLE_*`` variable, else the config file, else the default.

The config file is ``--config PATH``, else ``$JOBCONSOLE_CONFIG``, else
``jobconsole.toml`` in the working directory if there is one. It is checked
whole, whichever settings the command needs: a syntax error (with its line),
an unknown table or key (with the nearest known one), a value of the wrong
type or out of range is a :class:`ConfigError` naming the file and the key.
A variable set to a blank value counts as not set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobconsole.config.keys import BY_ID, KEYS, TABLES, Key
from jobconsole.config.settings import DEFAULT_ORIGIN, AlertSettings, Settings
from jobconsole.errors import UsageError

if TYPE_CHECKING:
    from jobconsole.notify.email import SmtpSettings

CONFIG_FILE_NAME = "jobconsole.toml"
CONFIG_ENV = "JOBCONSOLE_CONFIG"


class ConfigError(UsageError):
    """A setting that cannot be used; the message names the file or variable and the key."""


def find_config_file(given: str | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """The config file to read: the one given, else ``$JOBCONSOLE_CONFIG``, else ``./jobconsole.toml`` if it exists."""
    if given is not None:
        return cwd / given
    named = environ.get(CONFIG_ENV, "").strip()
    if named:
        return cwd / named
    candidate = cwd / CONFIG_FILE_NAME
    return candidate if candidate.exists() else None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config: str | None = None,
    environ: Mapping[str, str] = os.environ,
    cwd: Path | None = None,
) -> Settings:
    """The settings, each from the first place that sets it.

    ``flags`` maps a key's dotted id (``scheduler.grace_seconds``) to the value
    a command-line flag gave, already parsed (None: not given); ``config`` is
    the ``--config`` path. Raises :class:`ConfigError`.
    """
    path = find_config_file(config, environ, cwd or Path.cwd())
    from_file = _file_values(_read(path), path) if path is not None else {}
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        values[key.id], origins[key.id] = _resolve(key, (flags or {}).get(key.id), environ, from_file, path)
    return Settings(
        database_url=values["database.url"],
        jobs=values["scheduler.jobs"],
        grace_seconds=values["scheduler.grace_seconds"],
        state_dir=values["scheduler.state_dir"],
        retention_days=values["retention.days"],
        keep_per_job=values["retention.keep_per_job"],
        log_level=values["log.level"],
        log_file=values["log.file"],
        email=_email(values, origins),
        alerts=AlertSettings(values["alerts.reminder_interval"], values["notify.webhook.urls"]),
        metrics_port=values["metrics.port"],
        metrics_host=values["metrics.host"],
        config_file=path,
        values=values,
        origins=origins,
    )


def _resolve(
    key: Key, flag: Any, environ: Mapping[str, str], from_file: Mapping[str, Any], path: Path | None
) -> tuple[Any, str]:
    if flag is not None and key.flag is not None:
        return flag, key.flag
    text = environ.get(key.env, "") if key.env else ""
    if text.strip():
        try:
            return key.kind.from_text(text), str(key.env)
        except ValueError as error:
            raise ConfigError(f"{key.env} {error}") from None
    if key.id in from_file:
        return from_file[key.id], f"{key.label} in {path}"
    return key.default, DEFAULT_ORIGIN


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file: not on every shell command

    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None


def _file_values(document: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Every key the file sets, checked and converted; ConfigError at the first that is wrong."""
    values: dict[str, Any] = {}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        for name, value in table.items():
            dotted = f"{prefix}.{name}" if prefix else name
            if dotted in TABLES:
                if isinstance(value, list):
                    raise ConfigError(f"{path}: [[{dotted}]] must be one table, [{dotted}], not a list of tables")
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: {dotted} must be a table of settings, [{dotted}], not a value")
                walk(value, dotted)
            elif dotted in BY_ID:
                key = BY_ID[dotted]
                try:
                    values[dotted] = key.kind.from_toml(value)
                except ValueError as error:
                    raise ConfigError(f"{path}: {key.label} {error}") from None
            else:
                raise ConfigError(f"{path}: {_unknown(prefix, name, isinstance(value, dict))}")

    walk(document, "")
    return values


def _unknown(prefix: str, name: str, is_table: bool) -> str:
    """``unknown key [scheduler] grase_seconds (did you mean grace_seconds?)``."""
    import difflib  # only for a mistake: not on every start

    what = f"unknown table [{prefix + '.' if prefix else ''}{name}]" if is_table else (
        f"unknown key [{prefix}] {name}" if prefix else f"unknown key {name}"
    )
    here = {key.name: key.name for key in KEYS if key.table == prefix}
    here |= {table.rpartition(".")[2]: f"[{table}]" for table in TABLES if table.rpartition(".")[0] == prefix}
    everywhere = {key.name: key.label for key in KEYS} | {table: f"[{table}]" for table in TABLES}
    for candidates in (here, everywhere):
        close = difflib.get_close_matches(name, candidates, n=1)
        if close:
            return f"{what} (did you mean {candidates[close[0]]}?)"
    return f"{what} (known tables: {', '.join(f'[{table}]' for table in sorted(TABLES))})"


def _email(values: Mapping[str, Any], origins: Mapping[str, str]) -> SmtpSettings | None:
    if values["notify.email.host"] is None:
        return None  # email is off: no need to load the notifiers (the shell commands start faster)
    from jobconsole.notify.email import SETTING_KEYS, SmtpSettings

    def name(key: Key) -> str:
        set_in = origins[key.id]
        return f"{key.env} (or {key.label})" if set_in == DEFAULT_ORIGIN else set_in

    keys = {setting: BY_ID[f"notify.email.{setting}"] for setting in SETTING_KEYS}
    try:
        return SmtpSettings.from_values(
            {setting: values[key.id] for setting, key in keys.items()},
            {setting: name(key) for setting, key in keys.items()},
        )
    except ValueError as error:
        raise ConfigError(str(error)) from None
