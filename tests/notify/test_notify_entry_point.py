"""notify_job_failure(job_name, error): the original system's entry point."""

from __future__ import annotations

import logging

import pytest
from tests.support.smtp import LocalSmtpServer, free_port, raised_error

import jobconsole
from jobconsole.notify import notify_job_failure


def set_environ(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


def test_it_is_importable_from_the_package() -> None:
    assert jobconsole.notify_job_failure is notify_job_failure


def test_an_exception_is_emailed_with_its_traceback_and_logged(
    smtp_server: LocalSmtpServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    set_environ(monkeypatch, smtp_server.environ())

    notify_job_failure("import_prices", raised_error())

    received = smtp_server.next_message()
    assert received.message["Subject"] == "[jobconsole] job import_prices failed"
    assert "ValueError: could not convert string to float: 'not-a-price'" in received.body
    assert "in parse_price" in received.body
    assert "job import_prices run - failed: ValueError: could not convert string to float" in caplog.text


def test_a_message_is_emailed_without_a_traceback(
    smtp_server: LocalSmtpServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    set_environ(monkeypatch, smtp_server.environ())

    notify_job_failure("send_newsletter", "3 of 120 deliveries bounced")

    body = smtp_server.next_message().body
    assert "3 of 120 deliveries bounced" in body
    assert "Traceback" not in body
    assert "job send_newsletter run - failed: 3 of 120 deliveries bounced" in caplog.text


def test_without_smtp_settings_it_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    notify_job_failure("import_prices", "disk full")

    assert [r.getMessage() for r in caplog.records] == ["job import_prices run - failed: disk full"]


def test_a_mail_server_that_is_down_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    set_environ(monkeypatch, LocalSmtpServer(free_port()).environ())

    notify_job_failure("import_prices", raised_error())  # returns, does not raise

    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert (
        logging.ERROR,
        "job import_prices run - failed: ValueError: could not convert string to float: 'not-a-price'",
    ) in messages
    assert any("EmailNotifier" in text and "import_prices" in text for _, text in messages)


def test_bad_smtp_settings_are_logged_and_the_failure_still_is(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    set_environ(monkeypatch, {"JOBCONSOLE_SMTP_HOST": "mail.example.org", "JOBCONSOLE_SMTP_PORT": "smtp"})

    notify_job_failure("import_prices", "disk full")

    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("email notification is off: JOBCONSOLE_SMTP_PORT must be a port number")
    assert messages[1] == "job import_prices run - failed: disk full"
