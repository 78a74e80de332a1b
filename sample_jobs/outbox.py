"""Delivers the sample app's emails into a local outbox: one ``.eml`` file per message.

The files are complete RFC 5322 messages; any mail client opens them, and
``python -m email`` tools parse them. Delivering to a directory keeps the
demo offline while still producing the real artefact.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

MAIL_DOMAIN = "mepwatch.example"


def compose(sender: str, recipient: Address, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A message with a plain-text body and, when given, an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # An explicit domain: make_msgid() without one looks up this host's FQDN, which can stall.
    message["Message-ID"] = make_msgid(domain=MAIL_DOMAIN)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def deliver_to_outbox(message: EmailMessage, outbox: Path, name: str) -> Path:
    """Write ``message`` to ``outbox/<name>.eml`` and return the path.

    The file appears whole or not at all (written aside, then renamed), so a
    reader never sees half a message; delivering under the same name again
    replaces the earlier copy, which makes a retried delivery harmless.
    """
    outbox.mkdir(parents=True, exist_ok=True)
    target = outbox / f"{_safe(name)}.eml"
    descriptor, temporary = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.as_bytes(policy=SMTP))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "_", name).strip("._") or "message"
