"""Next runs follow schedule's own rules, interval jobs stay on their grid, and DST changes are handled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import schedule
import time_machine

from jobconsole.engine.cadence import Cadence, ScheduleCadence

START = datetime(2026, 11, 26, 15, 4, 27, tzinfo=timezone.utc)  # a Thursday
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "build",
    [
        lambda s: s.every().day.at("03:00"),
        lambda s: s.every().day.at("15:30:10"),
        lambda s: s.every(2).days.at("10:00"),
        lambda s: s.every().monday.at("02:00"),
        lambda s: s.every().thursday.at("15:00"),
        lambda s: s.every().thursday.at("16:00"),
        lambda s: s.every().hour.at(":30"),
        lambda s: s.every(3).hours.at("05:00"),
        lambda s: s.every().minute.at(":15"),
        lambda s: s.every().day.at("03:00", "Europe/Berlin"),
        lambda s: s.every().day.at("09:00", "America/New_York"),
        lambda s: s.every(10).minutes,
        lambda s: s.every().day,
    ],
)
def test_first_run_matches_what_schedule_computes(build) -> None:
    own = schedule.Scheduler()
    with time_machine.travel(START, tick=False):
        job = build(own).do(print)
        expected = job.next_run.astimezone(timezone.utc)  # schedule's naive local time
    assert ScheduleCadence.from_job(build(schedule.Scheduler())).first_run(START) == expected


def test_interval_job_stays_on_its_grid() -> None:
    cadence = ScheduleCadence.from_job(schedule.every(10).minutes)
    due = cadence.first_run(START)
    assert due == START + timedelta(minutes=10)
    for _ in range(100):
        due = cadence.next_after(due)
    assert due == START + timedelta(minutes=10 * 101)


def test_at_time_job_moves_to_the_next_day_after_running() -> None:
    cadence = ScheduleCadence.from_job(schedule.every().day.at("03:00"))
    first = cadence.first_run(START)
    assert first == datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    assert cadence.next_after(first) == datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)


def test_daylight_saving_keeps_the_wall_clock_time() -> None:
    cadence = ScheduleCadence.from_job(schedule.every().day.at("03:00", "Europe/Berlin"))
    before = datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc)
    assert cadence.next_after(before) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)  # CEST, UTC+2
    assert cadence.first_run(datetime(2026, 3, 27, 12, 0, tzinfo=timezone.utc)) == datetime(
        2026, 3, 28, 2, 0, tzinfo=timezone.utc
    )


def test_until_ends_the_schedule() -> None:
    with time_machine.travel(START, tick=False):
        job = schedule.every(10).minutes.until(timedelta(minutes=25))
    cadence = ScheduleCadence.from_job(job)
    first = cadence.first_run(START)
    assert cadence.next_after(first) == START + timedelta(minutes=20)
    assert cadence.next_after(START + timedelta(minutes=20)) is None


@pytest.mark.parametrize(
    ("job", "words"),
    [
        (schedule.every().day.at("03:00"), "every day at 03:00"),
        (schedule.every().monday.at("02:00"), "every monday at 02:00"),
        (schedule.every(10).minutes, "every 10 minutes"),
        (schedule.every().minute, "every minute"),
        (schedule.every().hour.at(":30"), "every hour at :30"),
        (schedule.every(5).to(10).seconds, "every 5 to 10 seconds"),
        (schedule.every().day.at("03:00", "Europe/Berlin"), "every day at 03:00 (Europe/Berlin)"),
        (schedule.every(2).days.at("10:00:30"), "every 2 days at 10:00:30"),
    ],
)
def test_schedule_in_words(job: schedule.Job, words: str) -> None:
    assert ScheduleCadence.from_job(job).describe() == words


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


def _following(cadence: Cadence, first: datetime | None, count: int) -> list[datetime | None]:
    """``first`` and the ``count - 1`` due times after it."""
    dues = [first]
    while len(dues) < count:
        assert dues[-1] is not None
        dues.append(cadence.next_after(dues[-1]))
    return dues


def test_hourly_job_runs_both_half_past_twos_when_berlin_falls_back() -> None:
    # 2026-10-25: at 01:00 UTC Berlin goes from 03:00 CEST (UTC+2) back to 02:00 CET (UTC+1).
    cadence = ScheduleCadence.from_job(schedule.every().hour.at(":30", "Europe/Berlin"))
    midnight = _utc(2026, 10, 24, 22, 0)  # 00:00 CEST on the 25th
    assert _following(cadence, cadence.first_run(midnight), 6) == [
        _utc(2026, 10, 24, 22, 30),  # 00:30 CEST
        _utc(2026, 10, 24, 23, 30),  # 01:30 CEST
        _utc(2026, 10, 25, 0, 30),  # 02:30 CEST
        _utc(2026, 10, 25, 1, 30),  # 02:30 CET, the second one
        _utc(2026, 10, 25, 2, 30),  # 03:30 CET
        _utc(2026, 10, 25, 3, 30),  # 04:30 CET
    ]


def test_hourly_job_started_inside_the_repeated_hour_picks_the_right_half_past_two() -> None:
    cadence = ScheduleCadence.from_job(schedule.every().hour.at(":30", "Europe/Berlin"))
    assert cadence.first_run(_utc(2026, 10, 25, 0, 10)) == _utc(2026, 10, 25, 0, 30)  # 02:10 CEST -> 02:30 CEST
    assert cadence.first_run(_utc(2026, 10, 25, 0, 45)) == _utc(2026, 10, 25, 1, 30)  # 02:45 CEST -> 02:30 CET
    assert cadence.first_run(_utc(2026, 10, 25, 1, 10)) == _utc(2026, 10, 25, 1, 30)  # 02:10 CET -> 02:30 CET
    assert cadence.first_run(_utc(2026, 10, 25, 1, 45)) == _utc(2026, 10, 25, 2, 30)  # 02:45 CET -> 03:30 CET


def test_hourly_job_stays_an_hour_apart_when_berlin_springs_forward() -> None:
    # 2026-03-29: at 01:00 UTC Berlin goes from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2); 02:30 never happens.
    cadence = ScheduleCadence.from_job(schedule.every().hour.at(":30", "Europe/Berlin"))
    midnight = _utc(2026, 3, 28, 23, 0)  # 00:00 CET on the 29th
    assert _following(cadence, cadence.first_run(midnight), 5) == [
        _utc(2026, 3, 28, 23, 30),  # 00:30 CET
        _utc(2026, 3, 29, 0, 30),  # 01:30 CET
        _utc(2026, 3, 29, 1, 30),  # 03:30 CEST
        _utc(2026, 3, 29, 2, 30),  # 04:30 CEST
        _utc(2026, 3, 29, 3, 30),  # 05:30 CEST
    ]
    assert cadence.first_run(_utc(2026, 3, 29, 1, 5)) == _utc(2026, 3, 29, 1, 30)  # 03:05 CEST -> 03:30 CEST


@pytest.mark.parametrize(
    ("day_before", "change_day", "day_after"),
    [
        # spring: 03:00 CET is 02:00 UTC, 03:00 CEST is 01:00 UTC
        (_utc(2026, 3, 28, 2, 0), _utc(2026, 3, 29, 1, 0), _utc(2026, 3, 30, 1, 0)),
        # autumn: 03:00 CEST is 01:00 UTC, 03:00 CET is 02:00 UTC
        (_utc(2026, 10, 24, 1, 0), _utc(2026, 10, 25, 2, 0), _utc(2026, 10, 26, 2, 0)),
    ],
)
def test_daily_job_keeps_three_oclock_on_both_change_days(
    day_before: datetime, change_day: datetime, day_after: datetime
) -> None:
    cadence = ScheduleCadence.from_job(schedule.every().day.at("03:00", "Europe/Berlin"))
    assert cadence.first_run(day_before - timedelta(hours=1)) == day_before
    assert _following(cadence, day_before, 3) == [day_before, change_day, day_after]
    assert {(due.astimezone(BERLIN).hour, due.astimezone(BERLIN).minute) for due in (day_before, change_day, day_after)} == {
        (3, 0)
    }


@pytest.mark.parametrize(
    ("job", "elapsed"),
    [
        (schedule.every(10).seconds, True),
        (schedule.every(2).hours, True),
        (schedule.every(5).to(10).minutes, True),
        (schedule.every().day, True),
        (schedule.every().hour.at(":30"), False),
        (schedule.every().day.at("03:00", "Europe/Berlin"), False),
        (schedule.every().monday, False),
        (schedule.every().monday.at("02:00"), False),
    ],
)
def test_follows_elapsed_time_only_for_pure_interval_jobs(job: schedule.Job, elapsed: bool) -> None:
    assert ScheduleCadence.from_job(job).follows_elapsed_time is elapsed


@pytest.mark.parametrize(
    "job",
    [schedule.every(10).seconds, schedule.every().hour.at(":30", "Europe/Berlin"), schedule.every().monday.at("02:00")],
)
def test_schedule_cadence_is_a_cadence(job: schedule.Job) -> None:
    assert isinstance(ScheduleCadence.from_job(job), Cadence)


@pytest.mark.parametrize(
    ("at", "tz", "before", "expected"),
    [
        ("02:30", "Europe/Berlin", _utc(2026, 3, 28, 12), _utc(2026, 3, 29, 1, 30)),  # 03:30 CEST
        ("02:30", "America/New_York", _utc(2026, 3, 7, 12), _utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
        ("02:30", "Europe/Berlin", _utc(2026, 10, 24, 12), _utc(2026, 10, 25, 0, 30)),  # the first 02:30, CEST
        ("01:30", "America/New_York", _utc(2026, 10, 31, 12), _utc(2026, 11, 1, 5, 30)),  # the first 01:30, EDT
    ],
    ids=["berlin-spring", "new-york-spring", "berlin-autumn", "new-york-autumn"],
)
def test_daily_at_runs_an_hour_later_when_skipped_and_once_when_repeated(
    at: str, tz: str, before: datetime, expected: datetime
) -> None:
    # As the README's daylight-saving table says for day and week .at() jobs.
    cadence = ScheduleCadence.from_job(schedule.every().day.at(at, tz))
    due = cadence.next_after(before)
    assert due == expected
    following = cadence.next_after(due)
    assert following is not None and following - due >= timedelta(hours=23)  # the next day, not again
    assert following.astimezone(ZoneInfo(tz)).strftime("%H:%M") == at
