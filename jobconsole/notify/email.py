"""Failure notices by email, over SMTP with the standard library.

Configured from the environment (``JOBCONSOLE_SMTP_*``, see
:meth:`SmtpSettings.from_env`). The password lives only in
:class:`SmtpSettings` and is kept out of its repr, so it never reaches a log.
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from jobconsole.notify.notice import FailureNotice, NoticeKind
from jobconsole.notify.texts import headline

if TYPE_CHECKING:
    import smtplib

logger = logging.getLogger("jobconsole.notify")

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES: tuple[str, ...] = get_args(Security)
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
ENV_PREFIX = "JOBCONSOLE_SMTP_"
SETTING_KEYS = ("host", "port", "security", "user", "password", "from", "to", "timeout")
"""The SMTP settings, as keys of a config file's ``[notify.email]`` and after ``JOBCONSOLE_SMTP_``."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send email.

    ``security``: ``"starttls"`` upgrades a plain connection (port 587),
    ``"ssl"`` speaks TLS from the start (port 465), ``"none"`` sends in clear
    text (a local relay). Server certificates are checked against the system
    trust store; point ``SSL_CERT_FILE`` at a private CA if you use one.
    """

    host: str
    port: int = DEFAULT_PORTS["starttls"]
    security: Security = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = field(default_factory=lambda: default_sender(None))
    recipients: tuple[str, ...] = ()
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SmtpSettings.host is empty: give the SMTP server's name or address")
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SmtpSettings.security must be one of {', '.join(SECURITY_MODES)}; got {self.security!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"SmtpSettings.port must be between 1 and 65535; got {self.port}")
        if isinstance(self.recipients, str):
            raise ValueError("SmtpSettings.recipients must be a tuple of addresses, not one string")
        # Frozen: a list given by the caller is stored as a tuple so the settings stay hashable.
        object.__setattr__(self, "recipients", tuple(self.recipients))
        if not self.recipients:
            raise ValueError("SmtpSettings.recipients is empty: give at least one address to send failures to")
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError(f"SmtpSettings.timeout must be positive; got {self.timeout}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings | None:
        """Read ``JOBCONSOLE_SMTP_*``; None when ``JOBCONSOLE_SMTP_HOST`` is unset or blank.

        ``_HOST``, ``_PORT`` (default by security: 587, 465 or 25),
        ``_SECURITY`` (starttls | ssl | none, default starttls), ``_USER``,
        ``_PASSWORD``, ``_FROM`` (default: the user if it is an address, else
        jobconsole@<this host>), ``_TO`` (comma separated, required),
        ``_TIMEOUT`` (seconds, default 10). A bad value raises ValueError
        naming the variable.
        """

        def get(name: str) -> str:
            return environ.get(ENV_PREFIX + name, "").strip()

        host = get("HOST")
        if not host:
            return None

        security = get("SECURITY").lower() or "starttls"
        if security not in SECURITY_MODES:
            raise ValueError(f"{ENV_PREFIX}SECURITY must be one of {', '.join(SECURITY_MODES)}; got {security!r}")

        port: int | None = None
        if raw_port := get("PORT"):
            try:
                port = int(raw_port)
            except ValueError:
                port = 0
            if not 0 < port < 65536:
                raise ValueError(f"{ENV_PREFIX}PORT must be a port number between 1 and 65535; got {raw_port!r}")

        recipients = tuple(address.strip() for address in get("TO").split(",") if address.strip())
        timeout: float | None = None
        if raw_timeout := get("TIMEOUT"):
            try:
                timeout = float(raw_timeout)
            except ValueError:
                timeout = -1.0
            if not (math.isfinite(timeout) and timeout > 0):
                raise ValueError(f"{ENV_PREFIX}TIMEOUT must be a positive number of seconds; got {raw_timeout!r}")

        values = {
            "host": host, "port": port, "security": security, "user": get("USER") or None,
            # Passwords may legitimately start or end with spaces, so this one is not stripped.
            "password": environ.get(ENV_PREFIX + "PASSWORD") or None,
            "from": get("FROM") or None, "to": recipients, "timeout": timeout,
        }
        return cls.from_values(values, {key: ENV_PREFIX + key.upper() for key in SETTING_KEYS})

    @classmethod
    def from_values(cls, values: Mapping[str, Any], names: Mapping[str, str]) -> SmtpSettings | None:
        """Settings from values already read and typed, wherever they were set (the environment, a config file).

        ``values`` has the keys of :data:`SETTING_KEYS` (absent or None: not set);
        this applies the defaults and the rules that tie the values together,
        and ``names`` says how to call each key in an error (a variable, a key
        in a file). None when no host is set: email is off.
        """
        host = values.get("host")
        if not host:
            return None
        security = values.get("security") or "starttls"
        recipients = tuple(values.get("to") or ())
        if not recipients:
            raise ValueError(f"{names['to']} is not set although {names['host']} is: give the addresses to notify")
        user, password = values.get("user"), values.get("password")
        if password and not user:
            raise ValueError(f"{names['password']} is set but {names['user']} is not: set both, or neither")
        if user and not password:
            raise ValueError(f"{names['user']} is set but {names['password']} is not: set both, or neither")
        timeout = values.get("timeout")
        return cls(
            host=host,
            port=values.get("port") or DEFAULT_PORTS[security],
            security=security,
            user=user,
            password=password,
            sender=values.get("from") or default_sender(user),
            recipients=recipients,
            timeout=10.0 if timeout is None else timeout,
        )


def default_sender(user: str | None) -> str:
    """The From address when none is configured: the login if it is an address."""
    if user and "@" in user:
        return user
    return f"jobconsole@{socket.gethostname()}"


def send_email(settings: SmtpSettings, subject: str, body: str, recipients: Iterable[str] | None = None) -> None:
    """Send one plain-text email; raises ``OSError``/``smtplib.SMTPException`` when it can't.

    ``recipients`` defaults to ``settings.recipients``.
    """
    # Imported here: smtplib, ssl and email cost ~30 ms, and most processes never send a message.
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    to = tuple(recipients) if recipients is not None else settings.recipients
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    # make_msgid() without a domain asks DNS for this host's FQDN, which can stall for seconds.
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message.set_content(body)

    with _connect(settings) as smtp:
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message, from_addr=settings.sender, to_addrs=list(to))
    logger.debug("sent %r to %d recipient(s) via %s:%d", message["Subject"], len(to), settings.host, settings.port)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    import smtplib
    import ssl

    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.security == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


class EmailNotifier:
    """A notifier that emails each failure to ``settings.recipients``."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def __call__(self, notice: FailureNotice) -> None:
        send_email(self.settings, render_subject(notice), render_body(notice))

    def __repr__(self) -> str:
        return f"EmailNotifier({self.settings.host}:{self.settings.port}, {self.settings.security})"


def render_subject(notice: FailureNotice) -> str:
    """``[jobconsole] job <name> failed (run 42)`` ("timed out", "abandoned" for those statuses),
    ``[jobconsole] reminder: job <name> still failing: ...``, ``[jobconsole] job <name> recovered after ...``,
    ``[jobconsole] job <name> overdue: ...``: each says which kind of notice it is."""
    prefix = "reminder: " if notice.kind is NoticeKind.REMINDER else ""
    return f"[jobconsole] {prefix}{headline(notice)}"


def render_body(notice: FailureNotice) -> str:
    """The plain-text body: what happened, the facts of the run, the error, then the full traceback."""
    rows = [
        ("Job", notice.job_name),
        ("Notice", notice.kind.value),
        ("Run id", "-" if notice.run_id is None else str(notice.run_id)),
        ("Status", "-" if notice.status is None else notice.status.value),
        *([("Attempt", notice.attempt_words.removeprefix("attempt "))] if notice.attempt_words else []),
        ("Host", notice.host or "-"),
    ]
    if notice.kind is NoticeKind.OVERDUE:
        rows += [("No success since", _when(notice.quiet_since)), ("Noticed", _when(notice.finished_at))]
    else:
        rows += [("Started", _when(notice.started_at)), ("Finished", _when(notice.finished_at))]
    if notice.started_at and notice.finished_at:
        rows.append(("Duration", f"{(notice.finished_at - notice.started_at).total_seconds():.1f} s"))
    if notice.kind in (NoticeKind.REMINDER, NoticeKind.RECOVERED):
        rows += [("Failing since", _when(notice.failing_since)), ("Failed runs", str(notice.failed_runs))]
    lines = [headline(notice), ""]
    lines += [f"{label + ':':<17} {value}" for label, value in rows]
    if notice.kind is not NoticeKind.RECOVERED and notice.kind is not NoticeKind.OVERDUE:
        lines += ["", "Error:", notice.error or "(no error message)"]
    if notice.traceback:
        lines += ["", "Traceback:", notice.traceback.rstrip("\n")]
    return "\n".join(lines) + "\n"


def _when(moment: datetime | None) -> str:
    return moment.isoformat(sep=" ", timespec="seconds") if moment else "-"


def _one_line(text: str) -> str:
    # A header may not hold line breaks; a job name with one must not break the message.
    return " ".join(text.split())
