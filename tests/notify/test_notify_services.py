"""Webhooks and chat services through apprise, configured by URL: the generic JSON webhook against a real
HTTP receiver on 127.0.0.1, bad URLs and settings, and the core without apprise installed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from jobconsole.notify.notice import NoticeKind
from jobconsole.notify.services import DeliveryError, ServiceNotifier, split_urls, with_timeouts
from jobconsole.notify.settings import reminder_from_env, urls_from_env
from jobconsole.runs import RunStatus
from tests.support.smtp import failure_notice
from tests.support.webhook import WebhookReceiver

FAILED_AT = datetime(2026, 11, 26, 10, 1, tzinfo=UTC)


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("changes", "title", "kind"),
    [
        ({}, "[jobconsole] job import_prices failed (run 42)", "failure"),
        (
            {"kind": NoticeKind.REMINDER, "failing_since": FAILED_AT - timedelta(hours=2, minutes=10), "failed_runs": 37},
            "[jobconsole] job import_prices still failing: 37 runs failed in 2h 10m (run 42)",
            "failure",
        ),
        (
            {"kind": NoticeKind.RECOVERED, "status": RunStatus.SUCCEEDED, "error": None,
             "failing_since": FAILED_AT - timedelta(hours=2, minutes=10), "failed_runs": 37},
            "[jobconsole] job import_prices recovered after 2h 10m, 37 runs failed (run 42)",
            "success",
        ),
        (
            {"kind": NoticeKind.OVERDUE, "status": None, "run_id": None, "error": None,
             "quiet_since": FAILED_AT - timedelta(hours=25), "expected_within": 86400.0},
            "[jobconsole] job import_prices overdue: no success for 1d 01h (expected within 1d)",
            "warning",
        ),
    ],
    ids=["failure", "reminder", "recovered", "overdue"],
)
def test_each_kind_of_notice_reaches_a_json_webhook(receiver: WebhookReceiver, changes, title, kind) -> None:
    ServiceNotifier(receiver.url())(failure_notice(finished_at=FAILED_AT, **changes))

    posted = receiver.next_post()
    assert posted["title"] == title
    assert posted["type"] == kind
    assert posted["message"].splitlines()[0] == title.removeprefix("[jobconsole] ")
    assert "host worker-1, 2026-11-26 10:01:00+00:00" in posted["message"]
    if kind == "failure":
        assert "ValueError: could not convert string to float: 'not-a-price'" in posted["message"]


def test_a_service_that_refuses_the_notice_is_a_delivery_error(receiver: WebhookReceiver) -> None:
    receiver.stop()  # nothing listens on its port any more
    with pytest.raises(DeliveryError, match=r"json://127\.0\.0\.1:\d+/hook did not take the notice"):
        ServiceNotifier(receiver.url(), timeout=2)(failure_notice())


def test_a_url_apprise_does_not_know_is_refused_without_showing_its_secrets() -> None:
    with pytest.raises(ValueError, match=r"notification URL nosuch://… is not one apprise can send to") as refused:
        ServiceNotifier("nosuch://user:hunter2@example.org/token")
    assert "hunter2" not in str(refused.value) and "token" not in str(refused.value)


def test_the_label_hides_tokens_and_passwords() -> None:
    slack = ServiceNotifier("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in slack.label and slack.label.startswith("slack://")
    assert ServiceNotifier("jsons://ops:hunter2@hooks.example.org/in").label == "jsons://ops:****@hooks.example.org/in"


def test_every_request_is_bounded_unless_the_url_says_otherwise() -> None:
    assert with_timeouts("json://h/hook", 10) == "json://h/hook?cto=10&rto=10"
    assert with_timeouts("json://h/hook?rto=30#x", 10) == "json://h/hook?rto=30&cto=10#x"


def test_urls_are_separated_by_commas_or_spaces() -> None:
    assert split_urls(" json://a/x,slack://b/c  ntfy://topic ,\n") == ("json://a/x", "slack://b/c", "ntfy://topic")
    assert urls_from_env({"JOBCONSOLE_NOTIFY_URLS": "json://a, json://b"}) == ("json://a", "json://b")
    assert urls_from_env({}) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)),
     ("1d", timedelta(days=1)), ("600", timedelta(minutes=10)), (" 1.5H ", timedelta(minutes=90)), ("", None)],
)
def test_the_reminder_interval_from_the_environment(text: str, expected: timedelta | None) -> None:
    assert reminder_from_env({"JOBCONSOLE_ALERT_REMINDER": text}) == expected


@pytest.mark.parametrize("text", ["0", "soon", "-1h", "1w", "nan"])
def test_a_bad_reminder_interval_names_the_variable(text: str) -> None:
    with pytest.raises(ValueError, match="JOBCONSOLE_ALERT_REMINDER must be a"):
        reminder_from_env({"JOBCONSOLE_ALERT_REMINDER": text})


def test_without_apprise_urls_say_what_to_install_and_the_rest_works() -> None:
    """The core needs no apprise: notices still reach the log; a URL asks for the extra."""
    script = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "apprise" or name.startswith("apprise."):
            raise ImportError("apprise is not installed")
sys.meta_path.insert(0, Block())
import logging, schedule
from jobconsole import JobResult, JobScheduler
from jobconsole.notify import LogNotifier
logging.basicConfig(level=logging.ERROR, format="%(name)s %(message)s")
try:
    JobScheduler(notify_urls=["json://127.0.0.1:9/hook"])
except ValueError as error:
    print("refused:", error)
scheduler = JobScheduler(database_url="sqlite://", notifiers=[LogNotifier()])
scheduler.register("feed", lambda stop_event: JobResult(success=False, error="503"), schedule.every().day.at("03:00"))
scheduler.start()
scheduler.wait_for_run(scheduler.run_job("feed").run_id, 10)
scheduler.shutdown()
print("apprise loaded:", "apprise" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "refused: notification URLs need apprise: install the notify extra: pip install 'jobconsole[notify]'" in done.stdout
    assert "apprise loaded: False" in done.stdout
    assert "jobconsole.notify job feed run 1 failed: 503" in done.stderr
