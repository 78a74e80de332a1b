from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from sample_jobs.settings import DemoSettings
from tests.sample_jobs.support import PAGES, Inbox, free_port


@pytest.fixture(autouse=True)
def demo_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DemoSettings:
    """Each test's own demo data directory, and no JOBCONSOLE_DEMO_*/SMTP_* variables but the ones set here."""
    for name in [name for name in os.environ if name.startswith(("JOBCONSOLE_DEMO_", "JOBCONSOLE_SMTP_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("JOBCONSOLE_DEMO_DIR", str(tmp_path / "demo-data"))
    monkeypatch.setenv("JOBCONSOLE_DEMO_PAGES", str(PAGES))
    return DemoSettings.from_env()


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1: the handler that keeps what it receives, and the port."""
    inbox, port = Inbox(), free_port()
    # server_hostname: the default asks DNS for this machine's FQDN, which can stall.
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    yield inbox, port
    controller.stop()
