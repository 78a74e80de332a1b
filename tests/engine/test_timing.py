"""Next runs follow schedule's own rules, and interval jobs stay on their grid."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import schedule
import time_machine

from jobconsole.engine.timing import Cadence

START = datetime(2026, 11, 26, 15, 4, 27, tzinfo=timezone.utc)  # a Thursday


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
    assert Cadence.from_job(build(schedule.Scheduler())).first_run(START) == expected


def test_interval_job_stays_on_its_grid() -> None:
    cadence = Cadence.from_job(schedule.every(10).minutes)
    due = cadence.first_run(START)
    assert due == START + timedelta(minutes=10)
    for _ in range(100):
        due = cadence.next_after(due)
    assert due == START + timedelta(minutes=10 * 101)


def test_at_time_job_moves_to_the_next_day_after_running() -> None:
    cadence = Cadence.from_job(schedule.every().day.at("03:00"))
    first = cadence.first_run(START)
    assert first == datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    assert cadence.next_after(first) == datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)


def test_daylight_saving_keeps_the_wall_clock_time() -> None:
    cadence = Cadence.from_job(schedule.every().day.at("03:00", "Europe/Berlin"))
    before = datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc)
    assert cadence.next_after(before) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)  # CEST, UTC+2
    assert cadence.first_run(datetime(2026, 3, 27, 12, 0, tzinfo=timezone.utc)) == datetime(
        2026, 3, 28, 2, 0, tzinfo=timezone.utc
    )


def test_until_ends_the_schedule() -> None:
    with time_machine.travel(START, tick=False):
        job = schedule.every(10).minutes.until(timedelta(minutes=25))
    cadence = Cadence.from_job(job)
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
        (schedule.every().day.at("03:00", "Europe/Berlin"), "every day at 03:00 Europe/Berlin"),
        (schedule.every(2).days.at("10:00:30"), "every 2 days at 10:00:30"),
    ],
)
def test_schedule_in_words(job: schedule.Job, words: str) -> None:
    assert Cadence.from_job(job).describe() == words
