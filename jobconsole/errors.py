"""Errors meant for the person at the command line."""


class UsageError(Exception):
    """Bad input: the CLI prints the message as one line and exits with code 2."""
