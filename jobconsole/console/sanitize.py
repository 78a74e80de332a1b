"""Make text that a job produced safe to show in a terminal: see :mod:`jobconsole.plain_text`, shared with the shell CLI."""

from jobconsole.plain_text import strip_control

__all__ = ["strip_control"]
