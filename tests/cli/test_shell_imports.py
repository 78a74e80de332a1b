"""The shell CLI starts fast: no Textual on any shell command's path, and ``runs`` without SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jobconsole.store import open_store

from .support import REPO, clean_env


def imported_by(*args: str) -> set[str]:
    """The modules ``jobconsole ARGS`` imports, as ``python -X importtime`` lists them."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jobconsole", *args],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_no_shell_command_imports_textual_and_runs_needs_no_sqlalchemy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    open_store(url).close()
    runs = imported_by("runs", "--limit", "50", "--json", "--db", url)
    assert "jobconsole.shell" in runs
    assert not {name for name in runs if name.split(".")[0] in ("textual", "sqlalchemy")}
    status = imported_by("status", "--db", url)
    assert not {name for name in status if name.split(".")[0] == "textual"}
