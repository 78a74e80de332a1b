"""A run slower than twice its job's p95 is marked ▲ in Running and History; a normal one, or one of a job
with too few runs to say, is not. The console learns each job's p95 in the background."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from jobconsole.console.history import HistoryTable
from jobconsole.console.job_screen import JobScreen
from jobconsole.console.running import RunningTable
from jobconsole.runs import RunRecord, RunStatus, TriggeredBy

from .conftest import AppFactory
from .pilot import settle
from .seeded import FROZEN_NOW, SeededScheduler

JOB = "flaky_report"


def finished(scheduler: SeededScheduler, run_id: int, seconds: float, job: str = JOB) -> RunRecord:
    started = FROZEN_NOW - timedelta(hours=2) + timedelta(minutes=run_id)
    return RunRecord(
        id=run_id,
        job_name=job,
        triggered_by=TriggeredBy.SCHEDULED,
        status=RunStatus.SUCCEEDED,
        run_mode=scheduler.job(job).run_mode,
        scheduled_for=started,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        success=True,
        duration_ms=round(seconds * 1000),
    )


def seeded_with_a_steady_job() -> SeededScheduler:
    """flaky_report took 10 s thirty times, then 45 s once (slow) and 12 s once: its p95 is 12 s, so
    runs over 24 s are slow. send_smart_alerts ran three times, far too few to call any run of it slow."""
    scheduler = SeededScheduler(history_size=0, running_fractions=())
    for run_id in range(1, 31):
        scheduler.records[run_id] = finished(scheduler, run_id, 10)
    scheduler.records[31] = finished(scheduler, 31, 45)
    scheduler.records[32] = finished(scheduler, 32, 12)
    for run_id in (33, 34, 35):
        scheduler.records[run_id] = finished(scheduler, run_id, 1 if run_id < 35 else 300, job="send_smart_alerts")
    return scheduler


async def test_a_run_over_twice_the_p95_is_marked_and_a_normal_one_is_not(console: AppFactory) -> None:
    scheduler = seeded_with_a_steady_job()
    app = console(scheduler)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        history = app.query_one(HistoryTable)
        assert scheduler.job_stats(JOB).slow_after == 24.0

        assert history.get_cell("31", "duration").plain == "▲ 45s"
        assert history.get_cell("32", "duration").plain == "12s"
        assert history.get_cell("30", "duration").plain == "10s"
        assert history.get_cell("35", "duration").plain == "5m 00s", "3 runs are too few to call one slow"
        assert set(scheduler.stats_calls) == {JOB, "send_smart_alerts"}


async def test_a_running_run_is_marked_once_it_passes_twice_the_p95(console: AppFactory) -> None:
    scheduler = seeded_with_a_steady_job()
    clock = [FROZEN_NOW]
    app = console(scheduler, clock=lambda: clock[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # Upcoming's first job: send_smart_alerts, due first
        scheduler.trigger(JOB)
        app.refresh_now()
        await settle(pilot)
        running = app.query_one(RunningTable)
        ids = {running.runs[key].job_name: key for key in running.runs}
        assert set(ids) == {JOB, "send_smart_alerts"}

        clock[0] = FROZEN_NOW + timedelta(seconds=15)
        app.refresh_now()
        await settle(pilot)
        assert running.get_cell(ids[JOB], "elapsed").plain == "15s", "under 2 × p95 (24 s)"

        clock[0] = FROZEN_NOW + timedelta(seconds=25)
        app.refresh_now()
        await settle(pilot)
        assert running.get_cell(ids[JOB], "elapsed").plain == "▲ 25s"
        assert running.get_cell(ids["send_smart_alerts"], "elapsed").plain == "25s", "no statistics to go by"

        app.open_job(JOB)  # type: ignore[attr-defined]
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        state = str(app.screen.query_one("#job-fields", Static).render_line(2).text)
        assert "▶ running" in state and "for 25s  ▲ slow" in state

