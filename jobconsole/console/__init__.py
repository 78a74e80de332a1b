"""The Textual console. It reads a scheduler only through :mod:`jobconsole.interface`."""

from jobconsole.console.app import JobConsoleApp, make_app

__all__ = ["JobConsoleApp", "make_app"]
