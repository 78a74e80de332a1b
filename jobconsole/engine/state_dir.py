"""Where a scheduler keeps local state for a database: its start journal and its spool.

One directory per database, named by the id the database carries (see
``RunStore.database_id``), so every scheduler on this machine that opens the
database, from any working directory and whatever the URL's spelling, finds
the same journals and spool files. The base is ``$JOBCONSOLE_STATE_DIR``, else
``$XDG_STATE_HOME/jobconsole``, else ``~/.local/state/jobconsole``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

LEGACY_SPOOL_DIR = ".jobconsole-spool"
"""Where releases before 0.2 kept the spool: in the working directory."""


def state_directory(
    database_id: str, environ: Mapping[str, str] = os.environ, base: str | os.PathLike[str] | None = None
) -> Path:
    """The state directory of the database ``database_id`` (not created here), under ``base`` if given."""
    base = base or environ.get("JOBCONSOLE_STATE_DIR")
    if base:
        return Path(base) / database_id
    xdg = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "jobconsole" / database_id
