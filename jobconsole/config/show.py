"""``jobconsole --show-config``: the settings in effect, as a TOML file that says where each value came from."""

from __future__ import annotations

from jobconsole.config.keys import KEYS
from jobconsole.config.kinds import Text, shown
from jobconsole.config.settings import Settings

def render_settings(settings: Settings) -> str:
    """One ``key = value  # origin`` line per setting, under its table; secrets shown as ``***``."""
    source = settings.config_file or "no config file"
    lines = [f"# a flag, else the environment, else the file ({source}), else the default"]
    table = None
    for key in KEYS:
        if key.table != table:
            table = key.table
            lines += ["", f"[{table}]"]
        value = settings.values[key.id]
        origin = settings.origins[key.id]
        note = origin
        if value is None:
            lines.append(f"# {key.name} is not set")
        else:
            lines.append(f"{key.name} = {_secret_hidden(key.kind, value)}  # {note}")
    return "\n".join(lines) + "\n"


def _secret_hidden(kind: object, value: object) -> str:
    if isinstance(kind, Text) and kind.secret and isinstance(value, str):
        if kind.strip:  # a URL: only its password is secret
            from jobconsole.store import redact_url

            return shown(redact_url(value))
        return shown("***")
    return shown(value)
