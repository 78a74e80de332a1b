"""Cron schedules: what is accepted, when they are due (DST included), and how they read in words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import pairwise
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import schedule
import tzlocal

import jobconsole
from jobconsole import JobScheduler
from jobconsole.engine.cadence import Cadence, ScheduleCadence, due_times
from jobconsole.engine.cron import CronCadence, CronSchedule
from tests.engine import jobs_for_tests

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 11, 26, 15, 4, 27, tzinfo=timezone.utc)  # a Thursday


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


def _dues(cadence: Cadence, after: datetime, count: int) -> list[datetime]:
    """The first due time after ``after`` and the ones that follow it, as the engine asks for them."""
    due = cadence.first_run(after)
    dues: list[datetime] = []
    while len(dues) < count:
        assert due is not None
        dues.append(due)
        due = cadence.next_after(due)
    return dues


def _local(dues: list[datetime], zone: ZoneInfo) -> list[str]:
    return [f"{due.astimezone(zone):%m-%d %H:%M %Z}" for due in dues]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("*/5 * * * *", [_utc(2026, 11, 26, 15, 5), _utc(2026, 11, 26, 15, 10), _utc(2026, 11, 26, 15, 15)]),
        ("0 3 * * *", [_utc(2026, 11, 27, 3), _utc(2026, 11, 28, 3), _utc(2026, 11, 29, 3)]),
        ("  0   3 * * MON ", [_utc(2026, 11, 30, 3), _utc(2026, 12, 7, 3), _utc(2026, 12, 14, 3)]),
        ("@hourly", [_utc(2026, 11, 26, 16), _utc(2026, 11, 26, 17), _utc(2026, 11, 26, 18)]),
        ("@daily", [_utc(2026, 11, 27), _utc(2026, 11, 28), _utc(2026, 11, 29)]),
        ("@midnight", [_utc(2026, 11, 27), _utc(2026, 11, 28), _utc(2026, 11, 29)]),
        ("@weekly", [_utc(2026, 11, 29), _utc(2026, 12, 6), _utc(2026, 12, 13)]),  # Sundays
        ("@monthly", [_utc(2026, 12, 1), _utc(2027, 1, 1), _utc(2027, 2, 1)]),
        ("@yearly", [_utc(2027, 1, 1), _utc(2028, 1, 1), _utc(2029, 1, 1)]),
        ("@ANNUALLY", [_utc(2027, 1, 1), _utc(2028, 1, 1), _utc(2029, 1, 1)]),
    ],
)
def test_cron_strings_and_names_are_accepted_and_due_when_cron_says(expression: str, expected: list[datetime]) -> None:
    scheduler = JobScheduler()
    scheduler.register("nightly_import", jobs_for_tests.succeed, job_schedule=expression)
    assert scheduler.job_names == ["nightly_import"]
    # The test machine's local zone is UTC (as test_cadence's comparisons with schedule assume).
    assert _dues(CronCadence.parse(expression), START, 3) == expected


def test_cron_with_a_time_zone_reads_the_fields_in_that_zone() -> None:
    scheduler = JobScheduler()
    scheduler.register("paris_report", jobs_for_tests.succeed, job_schedule=jobconsole.cron("0 3 * * *", tz="Europe/Paris"))
    (job,) = scheduler.snapshot().jobs
    assert job.schedule == "every day at 03:00 (Europe/Paris)"
    cadence = CronCadence.parse("0 3 * * *", "Europe/Paris")
    # 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer.
    assert cadence.first_run(START) == _utc(2026, 11, 27, 2)
    assert cadence.first_run(_utc(2026, 7, 1, 12)) == _utc(2026, 7, 2, 1)
    assert jobconsole.cron("0 3 * * *", tz="Europe/Paris") == CronSchedule("0 3 * * *", "Europe/Paris")


@pytest.fixture
def local_zone_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local zone (``TZ``) set to New York for one test, for libc (schedule's .at()) and tzlocal alike."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    tzlocal.reload_localzone()
    yield
    monkeypatch.undo()
    time.tzset()
    tzlocal.reload_localzone()


def test_without_a_zone_cron_reads_local_time_as_schedules_at_does(local_zone_new_york: None) -> None:
    cron = CronCadence.parse("30 2 * * *")
    at = ScheduleCadence.from_job(schedule.every().day.at("02:30"))
    assert cron.describe() == "every day at 02:30"  # no zone named: the local one, as for .at()
    assert cron.first_run(START) == at.first_run(START) == _utc(2026, 11, 27, 7, 30)  # 02:30 EST
    summer = _utc(2026, 7, 1, 12)
    assert cron.first_run(summer) == at.first_run(summer) == _utc(2026, 7, 2, 6, 30)  # 02:30 EDT


@pytest.mark.parametrize(
    ("job_schedule", "expected"),
    [
        ("61 * * * *", "cron expression '61 * * * *': bad minute field"),
        ("0 3 * *", "cron expression '0 3 * *' has 4 fields; write five (minute hour day-of-month month day-of-week)"),
        ("*/5 * * * * *", "cron expression '*/5 * * * * *' has 6 fields"),
        ("0 0 30 2 *", "cron expression '0 0 30 2 *': bad day-of-month field"),
        ("0 3 * * MON#6", "cron expression '0 3 * * MON#6': bad day-of-week field"),
        # Day 1 or 21 when it is also the month's last Monday (a star-led day field makes cron want both).
        ("* * */20 * 1L", "cron expression '* * */20 * 1L' matches no date"),
        ("@reboot", "cron expression '@reboot' is not a name cron knows; use one of @yearly"),
        ("every day", "cron expression 'every day' has 2 fields"),
        ("0 3 * * 1\x1b[31m", r"cron expression '0 3 * * 1\x1b[31m': bad day-of-week field"),
        (jobconsole.cron("0 3 * * *", tz="Europe/Pariss"), "unknown time zone 'Europe/Pariss'; use an IANA name"),
        (jobconsole.cron("0 3 * * *", tz=2), "tz must be an IANA time zone name such as 'Europe/Paris', got 2"),  # type: ignore[arg-type]
        (jobconsole.cron(None), "a cron expression is a string such as '*/5 * * * *', got None"),  # type: ignore[arg-type]
    ],
    ids=["minute-61", "four-fields", "seconds-field", "february-30", "sixth-monday", "never", "reboot", "words",
         "escape-sequence", "unknown-zone", "zone-not-text", "no-expression"],
)
def test_bad_cron_is_one_line_naming_the_job_and_the_text(job_schedule: object, expected: str) -> None:
    scheduler = JobScheduler()
    with pytest.raises(ValueError) as refused:
        scheduler.register("nightly_import", jobs_for_tests.succeed, job_schedule=job_schedule)  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith("job 'nightly_import': ")
    assert expected in message
    assert "\n" not in message
    assert scheduler.job_names == []


# Daylight saving, the way cronsim and Debian's cron define it. The change days:
# Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST) and falls back on 2026-10-25
# (03:00 CEST -> 02:00 CET); New York on 2026-03-08 (02:00 EST -> 03:00 EDT) and 2026-11-01
# (02:00 EDT -> 01:00 EST).
DST_CASES = [
    pytest.param(
        "30 2 * * *", "Europe/Berlin", _utc(2026, 3, 27, 12),
        ["03-28 02:30 CET", "03-29 03:00 CEST", "03-30 02:30 CEST"], id="berlin-spring-0230-runs-at-0300",
    ),
    pytest.param(
        "30 2 * * *", "Europe/Berlin", _utc(2026, 10, 23, 12),
        ["10-24 02:30 CEST", "10-25 02:30 CEST", "10-26 02:30 CET"], id="berlin-autumn-0230-runs-once",
    ),
    pytest.param(
        "30 2 * * *", "America/New_York", _utc(2026, 3, 6, 17),
        ["03-07 02:30 EST", "03-08 03:00 EDT", "03-09 02:30 EDT"], id="new-york-spring-0230-runs-at-0300",
    ),
    pytest.param(
        # New York repeats 01:00-02:00, so its ambiguous daily time is 01:30.
        "30 1 * * *", "America/New_York", _utc(2026, 10, 30, 17),
        ["10-31 01:30 EDT", "11-01 01:30 EDT", "11-02 01:30 EST"], id="new-york-autumn-0130-runs-once",
    ),
    pytest.param(
        "30 2 * * *", "America/New_York", _utc(2026, 10, 30, 17),
        ["10-31 02:30 EDT", "11-01 02:30 EST", "11-02 02:30 EST"], id="new-york-autumn-0230-runs-once",
    ),
]


@pytest.mark.parametrize(("expression", "tz", "after", "expected"), DST_CASES)
def test_a_daily_job_runs_once_on_each_change_day(expression: str, tz: str, after: datetime, expected: list[str]) -> None:
    zone = ZoneInfo(tz)
    assert _local(_dues(CronCadence.parse(expression, tz), after, 3), zone) == expected


@pytest.mark.parametrize(
    ("tz", "midnight", "expected"),
    [
        ("Europe/Berlin", _utc(2026, 10, 24, 22),
         ["00:30 CEST", "01:30 CEST", "02:30 CEST", "02:30 CET", "03:30 CET", "04:30 CET"]),
        ("Europe/Berlin", _utc(2026, 3, 28, 23),
         ["00:30 CET", "01:30 CET", "03:30 CEST", "04:30 CEST", "05:30 CEST", "06:30 CEST"]),
        ("America/New_York", _utc(2026, 11, 1, 4),
         ["00:30 EDT", "01:30 EDT", "01:30 EST", "02:30 EST", "03:30 EST", "04:30 EST"]),
    ],
    ids=["berlin-autumn", "berlin-spring", "new-york-autumn"],
)
def test_an_hourly_job_follows_the_zones_clock_through_a_change(tz: str, midnight: datetime, expected: list[str]) -> None:
    # A star in the hour field: every hour that happens, the repeated one twice, the skipped one never.
    dues = _dues(CronCadence.parse("30 * * * *", tz), midnight, 6)
    assert [f"{due.astimezone(ZoneInfo(tz)):%H:%M %Z}" for due in dues] == expected
    assert all(later - earlier == timedelta(hours=1) for earlier, later in pairwise(dues))


@pytest.mark.parametrize(
    ("expression", "tz"),
    [("*/5 * * * *", "Europe/Berlin"), ("30 2 * * *", "Europe/Berlin"), ("30 1 * * *", "America/New_York"),
     ("0 */2 * * *", "America/New_York"), ("0 3 1-7 * 1", "Europe/Berlin"), ("@weekly", "UTC")],
)
def test_successive_due_times_always_move_forward(expression: str, tz: str) -> None:
    # 400 due times from just before New York's spring change (the daily ones span every change of both zones).
    dues = _dues(CronCadence.parse(expression, tz), _utc(2026, 3, 7), 400)
    assert all(earlier < later for earlier, later in pairwise(dues))
    # Starting from any instant gives the same due times as following them one by one.
    for due in dues[1:50]:
        assert CronCadence.parse(expression, tz).first_run(due - timedelta(seconds=1)) == due


def test_a_start_inside_the_repeated_hour_never_gives_a_time_already_passed() -> None:
    cadence = CronCadence.parse("30 2 * * *", "Europe/Berlin")
    # 02:10 CET on 2026-10-25 (01:10 UTC): today's 02:30 already ran at 02:30 CEST (00:30 UTC).
    assert cadence.first_run(_utc(2026, 10, 25, 1, 10)) == _utc(2026, 10, 26, 1, 30)
    assert cadence.first_run(_utc(2026, 10, 25, 0, 10)) == _utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("job_schedule", "words"),
    [
        ("* * * * *", "every minute"),
        ("*/5 * * * *", "every 5 minutes"),
        ("*/7 * * * *", "cron */7 * * * *"),  # 0, 7, ... 56, then 0 again: not 7 minutes apart
        ("30 * * * *", "every hour at :30"),
        ("@hourly", "every hour at :00"),
        ("15 */6 * * *", "every 6 hours at :15"),
        ("0 3 * * *", "every day at 03:00"),
        ("@daily", "every day at 00:00"),
        ("0 2 * * 1", "every monday at 02:00"),
        ("0 2 * * sun", "every sunday at 02:00"),
        ("@weekly", "every sunday at 00:00"),
        ("0 9 * * 1-5", "every monday to friday at 09:00"),
        ("0 0 1 * *", "every month on day 1 at 00:00"),
        ("@yearly", "every year on january 1 at 00:00"),
        ("0 3 1-7 * 1", "cron 0 3 1-7 * 1"),
        ("0 6,18 * * *", "cron 0 6,18 * * *"),
        ("0  0 L * *", "cron 0 0 L * *"),
        (jobconsole.cron("0 3 * * *", tz="Europe/Paris"), "every day at 03:00 (Europe/Paris)"),
        (jobconsole.cron("*/5 * * * *", tz="America/New_York"), "every 5 minutes (America/New_York)"),
        (jobconsole.cron("0 3 1-7 * 1", tz="Europe/Paris"), "cron 0 3 1-7 * 1 (Europe/Paris)"),
    ],
)
def test_the_console_shows_cron_in_words_where_it_can(job_schedule: object, words: str) -> None:
    scheduler = JobScheduler()
    scheduler.register("job", jobs_for_tests.succeed, job_schedule=job_schedule)  # type: ignore[arg-type]
    (job,) = scheduler.snapshot().jobs
    assert job.schedule == words


def test_a_cron_cadence_is_a_calendar_cadence() -> None:
    cadence = CronCadence.parse("*/5 * * * *", "UTC")
    assert isinstance(cadence, Cadence)
    # Its due times are wall-clock times: a step of the wall clock does not move them.
    assert cadence.follows_elapsed_time is False


def test_a_cron_job_knows_its_next_due_times_ahead() -> None:
    """The job view lists the next five due times: a cron schedule gives them all."""
    cadence = CronCadence.parse("*/5 * * * *", "UTC")
    first = datetime(2026, 12, 3, 17, 5, tzinfo=timezone.utc)
    assert cadence.regular
    assert due_times(cadence, first, 5) == tuple(first + timedelta(minutes=5 * step) for step in range(5))
