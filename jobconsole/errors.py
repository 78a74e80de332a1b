"""Every error jobconsole raises on purpose, under one base class.

Each says what went wrong and what to do next; the CLI prints the message as
one line and exits with code 2 (see :mod:`jobconsole.cli`).
"""


class JobconsoleError(Exception):
    """The base of jobconsole's own errors."""


class UsageError(JobconsoleError):
    """Bad input at the command line: a jobs module that cannot be loaded, bad settings."""


class StoreConfigError(JobconsoleError, ValueError):
    """The database URL is malformed or names a backend jobconsole does not support."""


class StoreUnavailableError(JobconsoleError, RuntimeError):
    """The run history cannot be read or written right now; try again later."""


class SchedulerBusyError(JobconsoleError, RuntimeError):
    """Another scheduler already runs on this database: one scheduler per database."""
