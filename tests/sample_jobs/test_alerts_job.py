from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from sample_jobs.alerts import SubscriptionError, parse_subscription, send_smart_alerts
from sample_jobs.scrape import scrape_mep_meetings
from sample_jobs.settings import DemoSettings, bundled_data
from tests.sample_jobs.support import plain_text, read_outbox, site_meetings

MALFORMED = ("sub-0007", "sub-0009", "entry 11")
"""The bundled subscriptions' deliberate mistakes: a bad address, keywords as a string, no id."""


def bundled_subscriptions() -> list[dict[str, object]]:
    return json.loads(bundled_data("alert_subscriptions.json").read_text("utf-8"))


def test_alerts_serve_the_valid_subscriptions_and_report_the_broken_ones(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())
    total = len(bundled_subscriptions())

    result = send_smart_alerts(threading.Event())

    assert not result.success
    assert isinstance(result.error, str)
    assert result.error.startswith(f"{len(MALFORMED)} of {total} subscriptions failed: ")
    assert all(marker in result.error for marker in MALFORMED)
    assert "\n" not in result.error
    assert result.lines_processed == total
    alerts = read_outbox(demo_settings.outbox_dir, "alert-*.eml")
    assert result.lines_added == len(alerts) > 0
    assert f"{total - len(MALFORMED)} of {total} subscriptions served" in (result.message or "")


def test_an_alert_lists_exactly_the_matching_meetings(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())
    # sub-0001 asks for "hydrogen" in ITRE meetings only.
    hydrogen = re.compile(r"\bhydrogen\b", re.IGNORECASE)
    expected = [m for m in site_meetings() if m.committee == "ITRE" and hydrogen.search(f"{m.title} {m.organisation}")]

    send_smart_alerts(threading.Event())

    (message,) = read_outbox(demo_settings.outbox_dir, "alert-*-sub-0001.eml").values()
    assert message["To"].addresses[0].addr_spec == "anna.schmidt@example.org"
    assert message["Subject"] == f"MEP Watch alert: {len(expected)} new meetings on hydrogen"
    listed = [line for line in plain_text(message).splitlines() if line.startswith("  - ")]
    assert len(listed) == len(expected)
    assert all(any(f"{m.mep_name}: {m.title}" in line for line in listed) for m in expected)


def test_a_meeting_is_alerted_once(demo_settings: DemoSettings) -> None:
    scrape_mep_meetings(threading.Event())
    send_smart_alerts(threading.Event())
    first = set(read_outbox(demo_settings.outbox_dir))

    again = send_smart_alerts(threading.Event())

    assert again.lines_added == 0
    assert set(read_outbox(demo_settings.outbox_dir)) == first
    assert isinstance(again.error, str) and again.error.startswith(f"{len(MALFORMED)} of ")


def test_alerts_succeed_when_every_subscription_is_valid(
    demo_settings: DemoSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid = [entry for entry in bundled_subscriptions() if entry.get("id") in {"sub-0001", "sub-0002"}]
    subscriptions = tmp_path / "subscriptions.json"
    subscriptions.write_text(json.dumps(valid), encoding="utf-8")
    monkeypatch.setenv("JOBCONSOLE_DEMO_ALERT_SUBSCRIPTIONS", str(subscriptions))
    scrape_mep_meetings(threading.Event())

    result = send_smart_alerts(threading.Event())

    assert result.success, result.error
    assert result.error is None
    assert "all 2 subscriptions served" in (result.message or "")
    assert result.lines_added == len(read_outbox(demo_settings.outbox_dir, "alert-*.eml"))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("sub-0001", "entry 3: expected an object, got str"),
        ({"email": "a@example.org", "keywords": ["x"]}, "entry 3: 'id' is missing"),
        ({"id": "s1", "keywords": ["x"]}, "s1 (entry 3): 'email' is missing"),
        ({"id": "s1", "email": "a@example.org\nBcc: all@example.org", "keywords": ["x"]}, "is not a valid address"),
        ({"id": "s1", "email": "a@example.org", "keywords": []}, "'keywords' must be a non-empty list of words"),
        ({"id": "s1", "email": "a@example.org", "keywords": ["x"], "committees": "AGRI"}, "list of committee"),
    ],
)
def test_a_malformed_subscription_is_named_with_its_problem(entry: object, problem: str) -> None:
    with pytest.raises(SubscriptionError, match=re.escape(problem)):
        parse_subscription(entry, position=3)
