"""Helpers for the notifier tests: a real SMTP server (aiosmtpd) on 127.0.0.1, a recording notifier, notices."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import queue
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from jobconsole.notify import FailureNotice, SmtpSettings

plain_text_auth: pytest.MarkDecorator = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)
"""For tests whose server takes AUTH without TLS, which aiosmtpd rightly warns about."""

WAIT = 10.0
"""Upper bound for waiting on another thread; the tests normally finish far sooner."""


def free_port() -> int:
    """A local TCP port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, "the email has no plain-text body"
        # Lines arrive with the wire's CRLF endings; a mail client shows plain line breaks.
        return str(part.get_content()).replace("\r\n", "\n")


class LocalSmtpServer:
    """aiosmtpd on 127.0.0.1 that keeps every message it accepts, in order.

    ``users`` (login -> password) turns SMTP AUTH on and makes it required.
    ``starttls`` or ``implicit_tls`` take the server's SSL context.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        users: dict[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.users = users
        self.logins: queue.Queue[tuple[str, str, bool]] = queue.Queue()
        self._messages: queue.Queue[Received] = queue.Queue()
        options: dict[str, Any] = {}
        if users is not None:
            # AUTH over a plain connection only when the server has no TLS to offer.
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=starttls is not None)
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        self.controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            ssl_context=implicit_tls,
            server_hostname="localhost",  # the default asks DNS for this machine's FQDN
            **options,
        )

    def start(self) -> LocalSmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "sender": "jobconsole@example.org",
            "recipients": ("ops@example.org", "oncall@example.org"),
            "timeout": WAIT,
        }
        values.update(overrides)
        return SmtpSettings(**values)

    def environ(self, **overrides: str) -> dict[str, str]:
        """The JOBCONSOLE_SMTP_* variables that point at this server."""
        values = {
            "JOBCONSOLE_SMTP_HOST": self.host,
            "JOBCONSOLE_SMTP_PORT": str(self.port),
            "JOBCONSOLE_SMTP_SECURITY": "none",
            "JOBCONSOLE_SMTP_FROM": "jobconsole@example.org",
            "JOBCONSOLE_SMTP_TO": "ops@example.org",
        }
        values.update({f"JOBCONSOLE_SMTP_{name.upper()}": value for name, value in overrides.items()})
        return values

    def next_message(self, timeout: float = WAIT) -> Received:
        return self._messages.get(timeout=timeout)

    def received_nothing(self) -> bool:
        return self._messages.empty()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._messages.put(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert self.users is not None
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self.users.get(user) == password
        self.logins.put((user, password, accepted))
        return AuthResult(success=accepted, handled=False)


class Recorder:
    """A custom notifier that keeps what it receives, for the test thread to wait on."""

    def __init__(self) -> None:
        self.notices: queue.Queue[FailureNotice] = queue.Queue()

    def __call__(self, notice: FailureNotice) -> None:
        self.notices.put(notice)

    def next(self, timeout: float = WAIT) -> FailureNotice:
        return self.notices.get(timeout=timeout)


def parse_price(row: str) -> float:
    """Stands in for a job's own code, so the traceback has a frame to recognise."""
    return float(row.split(",")[1])


def raised_error() -> ValueError:
    """A ValueError that was really raised, so it carries a traceback."""
    try:
        parse_price("2024-05-01,not-a-price")
    except ValueError as error:
        return error
    raise AssertionError("parse_price should have raised")


def failure_notice(job_name: str = "import_prices", run_id: int | None = 42, **changes: Any) -> FailureNotice:
    notice = FailureNotice.from_error(job_name, raised_error(), run_id=run_id, host="worker-1")
    return dataclasses.replace(notice, **changes)
