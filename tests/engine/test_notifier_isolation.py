"""A webhook that takes the request and never answers holds up neither the email nor the run's record; its
failure is logged and counted once apprise's read timeout ends the request."""

from __future__ import annotations

import time

import pytest
import schedule

from jobconsole import JobResult
from jobconsole.engine import JobScheduler
from jobconsole.notify import EmailNotifier
from jobconsole.runs import RunStatus
from jobconsole.store import RunStore
from tests.support.smtp import LocalSmtpServer
from tests.support.webhook import WebhookReceiver


def fail(stop_event: object) -> JobResult:
    return JobResult(success=False, error="partner feed answered 503")


@pytest.mark.real_time
def test_a_hanging_webhook_delays_neither_the_email_nor_the_record(store: RunStore) -> None:
    smtp = LocalSmtpServer().start()
    stuck = WebhookReceiver(hang=True).start()
    stuck_url = stuck.url(rto="3", cto="3")
    scheduler = JobScheduler(store, notifiers=[EmailNotifier(smtp.settings())], notify_urls=[stuck_url])
    for name in ("feed", "prices"):
        scheduler.register(name, fail, schedule.every().day.at("03:00"))
    scheduler.start()
    try:
        for name in ("feed", "prices"):
            began = time.monotonic()
            run_id = scheduler.run_job(name).run_id
            assert scheduler.wait_for_run(run_id, 5)
            assert scheduler.flush(5)
            assert store.get_run(run_id).status is RunStatus.FAILED
            message = smtp.next_message(timeout=5)
            assert message.message["Subject"] == f"[jobconsole] job {name} failed (run {run_id})"
            # The webhook has had the first notice since this began, and still holds it.
            assert time.monotonic() - began < 2.0, "the email or the record waited for the webhook"
        assert stuck.requests == 1
        deadline = time.monotonic() + 20
        while scheduler.notifier_failures().get(f"ServiceNotifier({stuck_url.split('?')[0]})", 0) < 1:
            assert time.monotonic() < deadline, f"the webhook's failure was not counted: {scheduler.notifier_failures()}"
            time.sleep(0.1)
        assert scheduler.notifier_failures()[f"EmailNotifier({smtp.host}:{smtp.port}, none)"] == 0
    finally:
        scheduler.shutdown()
        stuck.stop()
        smtp.stop()
