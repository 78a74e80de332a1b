"""Helpers for the sample job tests: the site's ground truth, the outbox, a child process, a local SMTP server."""

from __future__ import annotations

import email.policy
import queue
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sample_jobs.events import StopEvent
from sample_jobs.settings import SITE_SEED
from sample_jobs.site import Meeting, generate_site

PAGES = 40
"""Pages the scrape parses in these tests (the conftest sets JOBCONSOLE_DEMO_PAGES): enough variety, quick."""


def site_meetings(pages: int = PAGES) -> list[Meeting]:
    """Every meeting the generated pages were built from: what a correct scrape must find."""
    return [meeting for page in generate_site(SITE_SEED, pages) for meeting in page.meetings]


def read_outbox(outbox: Path, pattern: str = "*.eml") -> dict[str, EmailMessage]:
    """The delivered messages by file name, parsed as a mail client would."""
    parser = BytesParser(policy=email.policy.default)
    messages: dict[str, EmailMessage] = {}
    for path in sorted(outbox.glob(pattern)):
        with path.open("rb") as file:
            message = parser.parse(file)
        assert isinstance(message, EmailMessage)
        messages[path.name] = message
    return messages


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, "the email has no plain-text body"
    return str(part.get_content()).replace("\r\n", "\n")


def run_and_send(func: Callable[[StopEvent], Any], stop_event: StopEvent, connection: Connection) -> None:
    """Child-process entry point: run a job as the engine would and send its result back."""
    connection.send(func(stop_event))
    connection.close()


class ObservedEvent(threading.Event):
    """A real Event that also reports when a job first pauses on it, so a test can stop the job mid-run."""

    def __init__(self) -> None:
        super().__init__()
        self.paused = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.paused.set()
        return super().wait(timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: queue.Queue[tuple[tuple[str, ...], EmailMessage]] = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content)
        assert isinstance(message, EmailMessage)
        self.messages.put((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"
