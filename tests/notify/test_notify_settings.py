"""SMTP settings from JOBCONSOLE_SMTP_*, and keeping the password out of sight."""

from __future__ import annotations

import socket

import pytest

from jobconsole.notify import EmailNotifier, SmtpSettings

FULL = {
    "JOBCONSOLE_SMTP_HOST": " mail.example.org ",
    "JOBCONSOLE_SMTP_PORT": "2525",
    "JOBCONSOLE_SMTP_SECURITY": "SSL",
    "JOBCONSOLE_SMTP_USER": "jobs@example.org",
    "JOBCONSOLE_SMTP_PASSWORD": "correct horse",
    "JOBCONSOLE_SMTP_FROM": "Job console <noreply@example.org>",
    "JOBCONSOLE_SMTP_TO": "ops@example.org, oncall@example.org,",
    "JOBCONSOLE_SMTP_TIMEOUT": "2.5",
}


@pytest.mark.parametrize("environ", [{}, {"JOBCONSOLE_SMTP_HOST": "  "}, {"JOBCONSOLE_SMTP_TO": "ops@example.org"}])
def test_email_is_off_without_a_host(environ: dict[str, str]) -> None:
    assert SmtpSettings.from_env(environ) is None


def test_every_variable_is_read() -> None:
    assert SmtpSettings.from_env(FULL) == SmtpSettings(
        host="mail.example.org",
        port=2525,
        security="ssl",
        user="jobs@example.org",
        password="correct horse",
        sender="Job console <noreply@example.org>",
        recipients=("ops@example.org", "oncall@example.org"),
        timeout=2.5,
    )


@pytest.mark.parametrize(("security", "port"), [(None, 587), ("starttls", 587), ("ssl", 465), ("none", 25)])
def test_the_port_defaults_to_the_one_for_the_security_mode(security: str | None, port: int) -> None:
    environ = {"JOBCONSOLE_SMTP_HOST": "mail.example.org", "JOBCONSOLE_SMTP_TO": "ops@example.org"}
    if security is not None:
        environ["JOBCONSOLE_SMTP_SECURITY"] = security

    settings = SmtpSettings.from_env(environ)

    assert settings is not None
    assert (settings.security, settings.port) == (security or "starttls", port)
    assert settings.timeout == 10.0


@pytest.mark.parametrize(
    ("user", "sender"),
    [
        ("jobs@example.org", "jobs@example.org"),
        ("jobs", f"jobconsole@{socket.gethostname()}"),
        (None, f"jobconsole@{socket.gethostname()}"),
    ],
)
def test_the_sender_defaults_to_the_login_when_it_is_an_address(user: str | None, sender: str) -> None:
    environ = {"JOBCONSOLE_SMTP_HOST": "mail.example.org", "JOBCONSOLE_SMTP_TO": "ops@example.org"}
    if user is not None:
        environ |= {"JOBCONSOLE_SMTP_USER": user, "JOBCONSOLE_SMTP_PASSWORD": "pw"}

    settings = SmtpSettings.from_env(environ)

    assert settings is not None
    assert settings.sender == sender


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"JOBCONSOLE_SMTP_PORT": "smtp"}, "JOBCONSOLE_SMTP_PORT"),
        ({"JOBCONSOLE_SMTP_PORT": "70000"}, "JOBCONSOLE_SMTP_PORT"),
        ({"JOBCONSOLE_SMTP_PORT": "0"}, "JOBCONSOLE_SMTP_PORT"),
        ({"JOBCONSOLE_SMTP_SECURITY": "tls"}, "JOBCONSOLE_SMTP_SECURITY"),
        ({"JOBCONSOLE_SMTP_TO": ""}, "JOBCONSOLE_SMTP_TO"),
        ({"JOBCONSOLE_SMTP_TO": " , "}, "JOBCONSOLE_SMTP_TO"),
        ({"JOBCONSOLE_SMTP_USER": ""}, "JOBCONSOLE_SMTP_PASSWORD"),
        ({"JOBCONSOLE_SMTP_PASSWORD": ""}, "JOBCONSOLE_SMTP_USER"),
        ({"JOBCONSOLE_SMTP_TIMEOUT": "soon"}, "JOBCONSOLE_SMTP_TIMEOUT"),
        ({"JOBCONSOLE_SMTP_TIMEOUT": "-1"}, "JOBCONSOLE_SMTP_TIMEOUT"),
        ({"JOBCONSOLE_SMTP_TIMEOUT": "nan"}, "JOBCONSOLE_SMTP_TIMEOUT"),
        ({"JOBCONSOLE_SMTP_TIMEOUT": "inf"}, "JOBCONSOLE_SMTP_TIMEOUT"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(changes: dict[str, str], variable: str) -> None:
    with pytest.raises(ValueError) as raised:
        SmtpSettings.from_env(FULL | changes)

    message = str(raised.value)
    assert variable in message
    assert "\n" not in message
    assert "correct horse" not in message


def test_the_password_is_not_in_repr_or_str() -> None:
    settings = SmtpSettings.from_env(FULL)
    assert settings is not None

    for text in (repr(settings), str(settings), repr(EmailNotifier(settings)), str(EmailNotifier(settings))):
        assert "correct horse" not in text
    assert "mail.example.org" in repr(settings)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"security": "tls"}, "security"),
        ({"port": 0}, "port"),
        ({"recipients": ()}, "recipients"),
        ({"recipients": "ops@example.org"}, "recipients"),
        ({"timeout": 0}, "timeout"),
        ({"host": ""}, "host"),
    ],
)
def test_settings_built_in_code_are_checked_too(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"host": "mail.example.org", "recipients": ("ops@example.org",)} | changes
    with pytest.raises(ValueError, match=f"SmtpSettings.{field}"):
        SmtpSettings(**values)  # type: ignore[arg-type]


def test_a_recipient_list_is_stored_as_a_tuple() -> None:
    settings = SmtpSettings(host="mail.example.org", recipients=["ops@example.org"])  # type: ignore[arg-type]
    assert settings.recipients == ("ops@example.org",)
    assert hash(settings)
