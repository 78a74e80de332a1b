"""Failure emails, sent to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.support.smtp import LocalSmtpServer, failure_notice, plain_text_auth

from jobconsole.notify import EmailNotifier, send_email
from jobconsole.runs import RunStatus


def test_failure_email_reaches_the_server_with_job_status_and_traceback(smtp_server: LocalSmtpServer) -> None:
    notice = failure_notice(
        started_at=datetime(2024, 5, 1, 3, 0, 0, tzinfo=UTC),
        finished_at=datetime(2024, 5, 1, 3, 0, 4, tzinfo=UTC),
    )

    EmailNotifier(smtp_server.settings())(notice)

    received = smtp_server.next_message()
    assert received.mail_from == "jobconsole@example.org"
    assert received.rcpt_tos == ("ops@example.org", "oncall@example.org")
    assert received.message["To"] == "ops@example.org, oncall@example.org"
    assert received.message["Subject"] == "[jobconsole] job import_prices failed (run 42)"
    body = received.body
    assert re.search(r"^Job:\s+import_prices$", body, re.MULTILINE)
    assert re.search(r"^Run id:\s+42$", body, re.MULTILINE)
    assert re.search(r"^Status:\s+failed$", body, re.MULTILINE)
    assert re.search(r"^Host:\s+worker-1$", body, re.MULTILINE)
    assert re.search(r"^Started:\s+2024-05-01 03:00:00\+00:00$", body, re.MULTILINE)
    assert re.search(r"^Duration:\s+4\.0 s$", body, re.MULTILINE)
    assert "ValueError: could not convert string to float: 'not-a-price'" in body
    # The whole traceback, down to the job's own frame.
    assert notice.traceback is not None
    assert notice.traceback.strip() in body
    assert "Traceback (most recent call last):" in body
    assert re.search(r'File ".*smtp\.py", line \d+, in parse_price', body)


@pytest.mark.parametrize(
    ("status", "run_id", "subject"),
    [
        (RunStatus.TIMED_OUT, 7, "[jobconsole] job import_prices timed out (run 7)"),
        (RunStatus.ABANDONED, 8, "[jobconsole] job import_prices abandoned (run 8)"),
        (RunStatus.FAILED, None, "[jobconsole] job import_prices failed"),
    ],
)
def test_subject_says_what_happened(
    smtp_server: LocalSmtpServer, status: RunStatus, run_id: int | None, subject: str
) -> None:
    EmailNotifier(smtp_server.settings())(failure_notice(status=status, run_id=run_id))

    received = smtp_server.next_message()
    assert received.message["Subject"] == subject
    assert re.search(rf"^Status:\s+{status.value}$", received.body, re.MULTILINE)


def test_job_text_arrives_intact_whatever_it_contains(smtp_server: LocalSmtpServer) -> None:
    long_line = "x" * 2000
    notice = failure_notice(
        job_name="import\nprices",
        error="Prix invalide : 12,5 €\n<b>not markup</b>",
        traceback=f"Traceback (most recent call last):\n  {long_line}\nValueError: ünïcode",
    )

    EmailNotifier(smtp_server.settings())(notice)

    received = smtp_server.next_message()
    assert received.message["Subject"] == "[jobconsole] job import prices failed (run 42)"
    assert "Prix invalide : 12,5 €\n<b>not markup</b>" in received.body
    assert long_line in received.body
    assert "ValueError: ünïcode" in received.body


@plain_text_auth
def test_login_uses_the_configured_user_and_password(server_users: LocalSmtpServer) -> None:
    settings = server_users.settings(user="jobs", password="s3cret pass")

    EmailNotifier(settings)(failure_notice())

    assert server_users.logins.get_nowait() == ("jobs", "s3cret pass", True)
    assert server_users.next_message().message["Subject"].startswith("[jobconsole] job import_prices failed")


@plain_text_auth
def test_a_server_that_requires_login_refuses_mail_without_it(server_users: LocalSmtpServer) -> None:
    with pytest.raises(smtplib.SMTPException):
        EmailNotifier(server_users.settings())(failure_notice())
    assert server_users.received_nothing()


def test_starttls_with_login(server_tls_context: ssl.SSLContext) -> None:
    server = LocalSmtpServer(users={"jobs": "s3cret"}, starttls=server_tls_context).start()
    try:
        EmailNotifier(server.settings(security="starttls", user="jobs", password="s3cret"))(failure_notice())

        assert server.logins.get_nowait() == ("jobs", "s3cret", True)
        assert "parse_price" in server.next_message().body
    finally:
        server.stop()


def test_implicit_tls(server_tls_context: ssl.SSLContext) -> None:
    server = LocalSmtpServer(implicit_tls=server_tls_context).start()
    try:
        EmailNotifier(server.settings(security="ssl"))(failure_notice())

        assert server.next_message().message["Subject"] == "[jobconsole] job import_prices failed (run 42)"
    finally:
        server.stop()


def test_starttls_refuses_a_certificate_it_does_not_trust(tls_certificate: tuple[Path, Path]) -> None:
    cert, key = tls_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = LocalSmtpServer(starttls=context).start()
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            EmailNotifier(server.settings(security="starttls"))(failure_notice())
        assert server.received_nothing()
    finally:
        server.stop()


def test_starttls_never_falls_back_to_clear_text(smtp_server: LocalSmtpServer) -> None:
    with pytest.raises(smtplib.SMTPNotSupportedError):
        EmailNotifier(smtp_server.settings(security="starttls"))(failure_notice())
    assert smtp_server.received_nothing()


def test_send_email_sends_any_plain_text_message(smtp_server: LocalSmtpServer) -> None:
    send_email(smtp_server.settings(), "Weekly newsletter", "Hello,\n\nthree new meetings.\n", ["reader@example.org"])

    received = smtp_server.next_message()
    assert received.rcpt_tos == ("reader@example.org",)
    assert received.message["Subject"] == "Weekly newsletter"
    assert received.body == "Hello,\n\nthree new meetings.\n"
