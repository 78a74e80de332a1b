"""Settings for the ``jobconsole`` command: flags, ``JOBCONSOLE_*`` variables, ``jobconsole.toml``, defaults.

Each setting comes from the first of these that sets it: a command-line flag,
then its environment variable, then the config file, then its default::

    settings = load_settings({"scheduler.grace_seconds": args.grace}, config=args.config)
    settings.grace_seconds, settings.origins["scheduler.grace_seconds"]   # 30.0, "--grace"

Every key, its variable and flag: :data:`jobconsole.config.keys.KEYS`.
"""

from jobconsole.config.keys import DEMO_JOBS_MODULE, KEYS, LOG_LEVELS
from jobconsole.config.loading import CONFIG_ENV, CONFIG_FILE_NAME, ConfigError, find_config_file, load_settings
from jobconsole.config.settings import AlertSettings, Settings

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE_NAME",
    "DEMO_JOBS_MODULE",
    "KEYS",
    "LOG_LEVELS",
    "AlertSettings",
    "ConfigError",
    "Settings",
    "find_config_file",
    "load_settings",
]
