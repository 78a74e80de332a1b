"""Text the operator asked to keep (a traceback), written to a file only they can read.

The terminal clipboard (OSC 52) depends on the terminal, tmux and SSH passing it on; a file
always works, and its path can be opened or scp'd.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/jobconsole``, else ``~/.cache/jobconsole``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jobconsole"


def _private_dir(directory: Path) -> Path:
    """``directory``, made if need be (mode 0700); refused unless it is a real directory of ours."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.lstat()
    if directory.is_symlink() or not directory.is_dir() or info.st_uid != os.getuid():
        raise PermissionError(f"{directory} is not a directory of this user's")
    return directory


def save_private_text(text: str, name: str) -> Path:
    """Write ``text`` to ``name`` (mode 0600) in the cache directory, or in a directory of this user's
    under the system's temporary one if the cache cannot be written; returns the file's path."""
    try:
        directory = _private_dir(cache_dir())
    except OSError:
        directory = _private_dir(Path(tempfile.gettempdir()) / f"jobconsole-{os.getuid()}")
    path = directory / name
    # O_NOFOLLOW: never write through a link someone else put there.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text if text.endswith("\n") else text + "\n")
    return path
