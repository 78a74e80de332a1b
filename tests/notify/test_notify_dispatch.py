"""NotifierSet: notices reach every notifier on a background thread, whatever the notifiers do."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from tests.support.smtp import WAIT, LocalSmtpServer, Recorder, failure_notice, free_port, plain_text_auth

from jobconsole.notify import (
    EmailNotifier,
    FailureNotice,
    LogNotifier,
    NotifierSet,
    default_notifiers,
)
from jobconsole.runs import RunStatus


class Gate:
    """A notifier that blocks until released, standing in for a slow SMTP server."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, notice: FailureNotice) -> None:
        self.entered.set()
        assert self.release.wait(WAIT), "the test never released the gate"


def explode(notice: FailureNotice) -> None:
    raise RuntimeError(f"notifier bug while handling {notice.job_name}")


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.release.set()  # never leave the notification thread blocked behind a failed test


def logged_soon(records: Callable[[], list[logging.LogRecord]]) -> list[logging.LogRecord]:
    """What ``records`` finds once another thread has logged it (each notifier delivers on its own thread)."""
    deadline = time.monotonic() + WAIT
    while not (found := records()):
        assert time.monotonic() < deadline, "nothing logged"
        time.sleep(0.01)
    return found


def notify_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jobconsole.notify" and r.levelno >= logging.ERROR]


def test_notify_returns_while_a_notifier_is_still_busy(gate: Gate) -> None:
    recorder = Recorder()
    notifiers = NotifierSet([gate, recorder])
    first, second = failure_notice(run_id=1), failure_notice(run_id=2)

    notifiers.notify(first)
    assert gate.entered.wait(WAIT)
    notifiers.notify(second)  # returns although the first notice is still held up
    assert recorder.notices.empty()

    gate.release.set()
    assert [recorder.next(), recorder.next()] == [first, second]
    assert notifiers.close(WAIT)


def test_a_notifier_that_raises_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    notifiers = NotifierSet([explode, recorder])

    notifiers.notify(failure_notice(run_id=1))
    notifiers.notify(failure_notice(run_id=2))

    assert [recorder.next().run_id, recorder.next().run_id] == [1, 2]
    assert notifiers.close(WAIT)
    errors = notify_errors(caplog)
    # One line when it starts failing, not one (with a traceback) per notice; the count at the end.
    first, at_close = errors
    assert "explode" in first.getMessage() and "import_prices" in first.getMessage() and "run 1" in first.getMessage()
    assert "RuntimeError: notifier bug while handling import_prices" in first.getMessage()
    assert first.exc_info is None
    assert "still failing at shutdown: 2 notices not delivered" in at_close.getMessage()


def test_smtp_server_down_is_logged_and_later_notices_still_go_out(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nothing listens here yet: the mail server is down
    server = LocalSmtpServer(port)
    recorder = Recorder()
    notifiers = NotifierSet([EmailNotifier(server.settings()), recorder])

    notifiers.notify(failure_notice(run_id=1))
    assert recorder.next().run_id == 1
    [error] = logged_soon(lambda: notify_errors(caplog))  # the email lane fails on its own thread
    assert f"EmailNotifier(127.0.0.1:{port}, none)" in error.getMessage()
    assert "ConnectionRefusedError" in error.getMessage() and error.exc_info is None

    server.start()  # the mail server comes back
    try:
        notifiers.notify(failure_notice(run_id=2))
        assert recorder.next().run_id == 2
        assert server.next_message().message["Subject"] == "[jobconsole] job import_prices failed (run 2)"
    finally:
        assert notifiers.close(WAIT)
        server.stop()
    assert len(notify_errors(caplog)) == 1
    assert "works again; 1 notices failed meanwhile" in caplog.text


@plain_text_auth
@pytest.mark.parametrize("password", ["s3cret pass", "wrong pass"])
def test_the_password_never_reaches_the_log(
    server_users: LocalSmtpServer, caplog: pytest.LogCaptureFixture, password: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="jobconsole")
    recorder = Recorder()
    email = EmailNotifier(server_users.settings(user="jobs", password=password))
    notifiers = NotifierSet([LogNotifier(), email, recorder])

    notifiers.notify(failure_notice())
    recorder.next()
    assert notifiers.close(WAIT)

    assert server_users.logins.get_nowait() == ("jobs", password, password == "s3cret pass")
    ours = [record for record in caplog.records if record.name.startswith("jobconsole")]
    logged = "\n".join(logging.Formatter().format(record) for record in ours)
    assert "job import_prices run 42 failed" in logged
    if password == "wrong pass":
        assert "SMTPAuthenticationError" in logged
    else:
        assert "sent '[jobconsole] job import_prices failed (run 42)'" in logged
    assert password not in logged


def test_close_delivers_what_is_queued(gate: Gate) -> None:
    recorder = Recorder()
    notifiers = NotifierSet([gate, recorder])
    notices = [failure_notice(run_id=n) for n in (1, 2, 3)]
    for notice in notices:
        notifiers.notify(notice)
    assert gate.entered.wait(WAIT)
    gate.release.set()

    assert notifiers.close(WAIT)

    assert [recorder.notices.get_nowait() for _ in notices] == notices


def test_close_gives_up_after_its_timeout(gate: Gate, caplog: pytest.LogCaptureFixture) -> None:
    notifiers = NotifierSet([gate])
    notifiers.notify(failure_notice(run_id=1))
    notifiers.notify(failure_notice(run_id=2))
    assert gate.entered.wait(WAIT)

    assert notifiers.close(timeout=0.05) is False
    assert "notifications not finished after 0.05 s; about 1 notice(s) not yet sent" in caplog.text


def test_a_notice_after_close_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder()
    notifiers = NotifierSet([recorder])
    assert notifiers.close(WAIT)

    notifiers.notify(failure_notice(run_id=9, status=RunStatus.ABANDONED))

    assert recorder.notices.empty()
    assert "not sending the notice for job import_prices run 9 abandoned" in caplog.text


def test_no_thread_until_there_is_something_to_send() -> None:
    before = {thread.name for thread in threading.enumerate()}
    notifiers = NotifierSet([Recorder()])
    assert {thread.name for thread in threading.enumerate()} == before
    assert notifiers.close(WAIT)


def test_the_notification_thread_does_not_keep_the_process_alive(gate: Gate) -> None:
    notifiers = NotifierSet([gate], thread_name="notify-daemon-check")
    notifiers.notify(failure_notice())
    assert gate.entered.wait(WAIT)

    [thread] = [t for t in threading.enumerate() if t.name == "notify-daemon-check"]
    assert thread.daemon
    gate.release.set()
    assert notifiers.close(WAIT)


def test_the_log_notifier_writes_one_error_line(caplog: pytest.LogCaptureFixture) -> None:
    LogNotifier()(failure_notice(status=RunStatus.TIMED_OUT, error="\nTimed out after 15 min\nstill inside batch 7"))

    [record] = caplog.records
    assert (record.name, record.levelno) == ("jobconsole.notify", logging.ERROR)
    assert record.getMessage() == "job import_prices run 42 timed_out: Timed out after 15 min"


def test_default_notifiers_log_and_email_only_when_configured(smtp_server: LocalSmtpServer) -> None:
    assert [type(n) for n in default_notifiers({})] == [LogNotifier]

    notifiers = default_notifiers(smtp_server.environ())

    assert [type(n) for n in notifiers] == [LogNotifier, EmailNotifier]
    email_notifier = notifiers[1]
    assert isinstance(email_notifier, EmailNotifier)
    assert (email_notifier.settings.host, email_notifier.settings.port) == ("127.0.0.1", smtp_server.port)
    with pytest.raises(ValueError, match="JOBCONSOLE_SMTP_SECURITY"):
        default_notifiers(smtp_server.environ(security="tls"))


def test_a_hanging_notifier_delays_no_other_and_its_overflow_is_counted(
    gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    """An SMTP server that accepts and never answers: the other notifiers go on, and its own queue is bounded."""
    recorder = Recorder()
    notifiers = NotifierSet([gate, recorder], max_queue=2)
    notifiers.notify(failure_notice(run_id=1))
    assert gate.entered.wait(WAIT)  # the gate holds notice 1 from here on
    assert recorder.next().run_id == 1
    for run_id in range(2, 6):
        notifiers.notify(failure_notice(run_id=run_id))
        # Each notice reaches the recorder while the gate still holds the first one.
        assert recorder.next().run_id == run_id
    assert gate.entered.is_set() and not gate.release.is_set()
    # The gate took notice 1 and queued 2 and 3: 4 and 5 were dropped, and said so once.
    drops = [r.getMessage() for r in caplog.records if "is behind" in r.getMessage()]
    assert len(drops) == 1 and "queue of 2 notices is full" in drops[0]
    gate.release.set()
    assert notifiers.close(WAIT)
    assert "2 notices were dropped because their notifiers were behind" in caplog.text
    # Counted as the gate's failures (the metric jobconsole_notifier_failures_total); the recorder has none.
    assert notifiers.failures() == {"tests.notify.test_notify_dispatch.Gate": 2, "tests.support.smtp.Recorder": 0}


def test_every_failed_delivery_is_counted_by_notifier() -> None:
    recorder = Recorder()
    notifiers = NotifierSet([explode, recorder])
    for run_id in range(3):
        notifiers.notify(failure_notice(run_id=run_id))
    assert notifiers.close(WAIT)
    assert notifiers.failures() == {
        "tests.notify.test_notify_dispatch.explode": 3, "tests.support.smtp.Recorder": 0
    }
