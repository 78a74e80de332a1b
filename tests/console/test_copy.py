"""c in the run detail: says what it did with the traceback, and keeps it in a file that always works."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jobconsole.console.detail import RunDetailScreen
from jobconsole.console.history import HistoryTable

from .conftest import AppFactory
from .pilot import settle
from .seeded import SeededScheduler
from .test_keys import notifications, ordinary_failure, select


async def test_c_says_the_clipboard_may_not_take_it_and_saves_a_private_file(
    console: AppFactory, seeded: SeededScheduler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    failed = ordinary_failure(seeded)
    traceback = failed.traceback.rstrip("\n")
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        select(app.query_one(HistoryTable), str(failed.id))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == traceback
        saved = tmp_path / "jobconsole" / f"run-{failed.id}-traceback.txt"
        lines = len(traceback.splitlines())
        assert notifications(pilot)[-1] == (
            "information",
            f"Traceback ({lines} lines) sent to the terminal clipboard (OSC 52); your terminal may not accept it. "
            f"Saved to {saved}",
        )
    assert saved.read_text() == traceback + "\n"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


async def test_c_where_the_cache_cannot_be_written_saves_under_the_temporary_directory(
    console: AppFactory, seeded: SeededScheduler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    failed = ordinary_failure(seeded)
    app = console(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_detail(failed.id)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        severity, message = notifications(pilot)[-1]
    saved = next((tmp_path / "tmp").glob("jobconsole-*/run-*-traceback.txt"))
    assert severity == "information" and message.endswith(f"Saved to {saved}")
    assert saved.read_text() == failed.traceback
