"""A failed run reaches a real SMTP server with job name, status and traceback."""

from __future__ import annotations

import schedule

from jobconsole.engine import JobScheduler
from jobconsole.notify import EmailNotifier
from tests.engine import jobs_for_tests
from tests.support.smtp import LocalSmtpServer


def test_failed_run_is_emailed_with_name_status_and_traceback(store) -> None:
    smtp = LocalSmtpServer().start()
    try:
        scheduler = JobScheduler(store, notifiers=[EmailNotifier(smtp.settings())])
        scheduler.register("partner_feed", jobs_for_tests.raise_error, schedule.every().day.at("03:00"))
        scheduler.start()
        run_id = scheduler.run_job("partner_feed").run_id
        scheduler.wait_for_run(run_id, 10)
        message = smtp.next_message()
        scheduler.shutdown()
    finally:
        smtp.stop()
    subject = message.message["Subject"]
    assert "partner_feed" in subject and "failed" in subject
    body = message.body
    assert str(run_id) in body
    assert "failed" in body
    assert "Traceback (most recent call last)" in body and "in parse_row" in body
