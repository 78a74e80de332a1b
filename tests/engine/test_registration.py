"""Registration keeps the original system's call form and rejects bad input clearly."""

from __future__ import annotations

import schedule
import pytest

from jobconsole import JobScheduler, ScraperResult
from tests.engine import jobs_for_tests


def my_job(stop_event) -> ScraperResult:
    if stop_event.is_set():
        return ScraperResult(success=False, error=Exception("Job stopped"))
    return ScraperResult(success=True)


def test_original_registration_call_form_works_as_written() -> None:
    scheduler = JobScheduler()
    scheduler.register(
        name="my_job",
        func=my_job,
        job_schedule=schedule.every().day.at("03:00"),
        run_in_process=True,
        timeout_minutes=30,
    )
    scheduler.register("weekly", my_job, job_schedule=schedule.every().monday.at("02:00"))
    scheduler.register("often", my_job, schedule.every(10).minutes, False, 0.05)
    snapshot_jobs = {job.name: job for job in scheduler.snapshot().jobs}
    assert snapshot_jobs["my_job"].schedule == "every day at 03:00"
    assert snapshot_jobs["my_job"].run_mode.value == "process"
    assert snapshot_jobs["my_job"].timeout_seconds == 30 * 60
    assert snapshot_jobs["weekly"].schedule == "every monday at 02:00"
    assert snapshot_jobs["often"].schedule == "every 10 minutes"
    assert snapshot_jobs["often"].timeout_seconds == pytest.approx(3.0)


def test_registration_never_touches_the_global_schedule() -> None:
    before = list(schedule.jobs)
    scheduler = JobScheduler()
    scheduler.register("a", my_job, schedule.every(10).minutes)
    assert schedule.jobs == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"func": "not callable"}, "func must be callable"),
        ({"job_schedule": 42}, "job_schedule must be an unfinished schedule job .* a cron string such as '0 3 \\* \\* \\*'"),
        ({"job_schedule": "every day"}, "cron expression 'every day' has 2 fields; write five"),
        ({"job_schedule": schedule.Scheduler().every().day.at("03:00").do(print)}, "already finished"),
        ({"job_schedule": schedule.every(10)}, "has no unit"),
        ({"job_schedule": schedule.every(0).minutes}, "interval must be a whole number of at least 1"),
        ({"timeout_minutes": 0}, "timeout_minutes must be a positive number"),
        ({"timeout_minutes": -5}, "timeout_minutes must be a positive number"),
        ({"timeout_minutes": float("nan")}, "timeout_minutes must be a positive number"),
        ({"timeout_minutes": "15"}, "timeout_minutes must be a positive number"),
        ({"run_in_process": True, "func": lambda stop_event: None}, "needs a module-level function"),
        ({"run_in_process": "yes"}, "run_in_process must be True or False"),
    ],
)
def test_bad_registration_names_the_job_and_the_problem(kwargs: dict, message: str) -> None:
    scheduler = JobScheduler()
    arguments = {
        "name": "nightly_import",
        "func": jobs_for_tests.succeed,
        "job_schedule": schedule.every().day.at("03:00"),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message) as raised:
        scheduler.register(**arguments)
    assert "'nightly_import'" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert scheduler.job_names == []


def test_duplicate_name_is_rejected() -> None:
    scheduler = JobScheduler()
    scheduler.register("nightly_import", jobs_for_tests.succeed, schedule.every().day.at("03:00"))
    with pytest.raises(ValueError, match="'nightly_import' is already registered"):
        scheduler.register("nightly_import", jobs_for_tests.succeed, schedule.every().day.at("04:00"))


def test_invalid_time_is_rejected_by_schedule_itself() -> None:
    with pytest.raises(schedule.ScheduleValueError):
        schedule.every().day.at("25:00")


def test_reusing_one_schedule_object_for_two_jobs_is_explained() -> None:
    scheduler = JobScheduler()
    nightly = schedule.every().day.at("03:00")
    scheduler.register("first", jobs_for_tests.succeed, nightly)
    with pytest.raises(ValueError, match="already belongs to job 'first'"):
        scheduler.register("second", jobs_for_tests.succeed, nightly)


@pytest.mark.parametrize(
    ("name", "func", "expected"),
    [
        ("n" * 201, jobs_for_tests.succeed, "a job name has at most 200 characters, this one 201"),
        ("bad\x1b[31mname", jobs_for_tests.succeed, "a job name cannot hold control characters"),
        ("two\nlines", jobs_for_tests.succeed, "a job name cannot hold control characters"),
        ("no_argument", lambda: None, "func must take one argument, the stop_event"),
        ("two_arguments", lambda a, b: None, "func must take one argument, the stop_event"),
    ],
    ids=["too-long", "escape-in-name", "newline-in-name", "no-argument", "two-arguments"],
)
def test_register_refuses_what_could_never_be_recorded_or_run(make_scheduler, name, func, expected) -> None:
    scheduler = make_scheduler()
    with pytest.raises(ValueError) as refused:
        scheduler.register(name, func, schedule.every().day.at("03:00"))
    assert expected in str(refused.value)
    assert str(refused.value).startswith("job ")
    assert scheduler.job_names == []
