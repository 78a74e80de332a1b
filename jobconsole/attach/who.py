"""Who is asking: the user and host a command is recorded with."""

from __future__ import annotations

import getpass
import socket


def operator() -> str:
    """``user@host`` of this process."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (a container without passwd entry)
        user = "?"
    return f"{user}@{socket.gethostname()}"
