"""What the job view says about a job, as Rich text: its title, its fields, its next due times, its trend's title.

Plain functions of their arguments (the time is passed in), so the view stays
deterministic under a frozen clock; :mod:`jobconsole.console.job_screen` lays them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from jobconsole.console.formatting import (
    ACTIVE_STATE_WORDS,
    Palette,
    format_countdown,
    format_duration,
    format_elapsed,
    format_time,
    format_timeout,
    plain,
)
from jobconsole.console.job_stats import SLOW_MARK
from jobconsole.interface import JobView, LiveRunView
from jobconsole.runs import SLOW_FACTOR, SLOW_MIN_RUNS, JobStats


def title(job_name: str, job: JobView | None, palette: Palette) -> Text:
    text = Text.assemble((" Job  ", "bold"), plain(job_name, style="bold"))
    if job is None:
        text.append("  no longer registered", style=palette.tone("warning"))
    elif job.paused:
        text.append("  ‖ paused", style=palette.tone("warning"))
    elif job.running_run_id is not None:
        text.append(f"  ▶ running #{job.running_run_id}", style=palette.tone("running"))
    return text


def fields(
    job: JobView | None,
    run: LiveRunView | None,
    stats: JobStats | None,
    now: datetime,
    palette: Palette,
    *,
    unavailable: bool = False,
) -> Table:
    """Schedule, mode and timeout, state, success rate, p50 / p95, and when a run counts as slow.
    ``unavailable``: the statistics could not be read (the last ones known are still shown)."""
    muted = palette.tone("muted")
    rows: list[tuple[str, Text]] = []
    if job is not None:
        rows.append(("Schedule", plain(job.schedule)))
        rows.append(("Mode", plain(f"{job.run_mode.value} · timeout {format_timeout(job.timeout_seconds)}")))
        rows.append(("State", _state(job, run, stats, now, palette)))
    if stats is None:
        words = "⚠ unavailable, retrying" if unavailable else "loading…"
        rows.append(("Runs", plain(words, style=palette.tone("warning") if unavailable else muted)))
    elif not stats.count:
        rows.append(("Runs", plain("no finished runs yet", style=muted)))
    else:
        assert stats.success_rate is not None
        rows.append(("Success", plain(f"{_percent(stats.success_rate)} of the last {stats.count} succeeded")))
        rows.append(
            ("Duration", plain(f"p50 {format_duration(stats.p50_seconds)} · p95 {format_duration(stats.p95_seconds)}"))
        )
        slow_after = stats.slow_after
        if slow_after is None:
            rows.append(("Slow", plain(f"known after {SLOW_MIN_RUNS} runs", style=muted)))
        else:
            words = f"{SLOW_MARK} over {format_duration(slow_after)} ({SLOW_FACTOR:g}× p95)"
            rows.append(("Slow", plain(words)))
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True, width=8)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _state(job: JobView, run: LiveRunView | None, stats: JobStats | None, now: datetime, palette: Palette) -> Text:
    if run is not None:
        elapsed = (now - run.started_at).total_seconds()
        word, tone = ACTIVE_STATE_WORDS[run.state]
        text = plain(f"▶ {word} #{run.run_id} for {format_elapsed(elapsed)}", style=palette.tone(tone))
        if stats is not None and stats.is_slow(elapsed):
            text.append(f"  {SLOW_MARK} slow", style=palette.tone("warning"))
        if job.paused:
            text.append("  ‖ paused", style=palette.tone("warning"))
        return text
    if job.paused:
        return plain("‖ paused: not run when due (t still runs it)", style=palette.tone("warning"))
    return plain("waiting for its next run", style=palette.tone("muted"))


def _percent(rate: float) -> str:
    """Rounded down, so that one failure in a hundred never reads 100 %."""
    return f"{math.floor(rate * 100)}%"


def next_runs(job: JobView | None, due: Sequence[datetime], now: datetime, palette: Palette) -> Text:
    """The heading and up to five due times, each with its countdown."""
    muted = palette.tone("muted")
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("Next runs", style="bold")
    if job is not None and job.paused:
        text.append(" · paused", style=palette.tone("warning"))
    if not due and job is not None and job.next_run is not None:
        due = (job.next_run,)
    if not due:
        text.append("\nnone: the schedule has ended", style=muted)
        return text
    style = muted if job is not None and job.paused else ""
    for moment in due:
        text.append(f"\n{format_time(moment, now):<16} {format_countdown(moment, now)}", style=style)
    if len(due) == 1 and job is not None:
        text.append(f"\nthen {job.schedule}", style=muted)
    return text


def trend_title(stats: JobStats | None) -> Text:
    if stats is None:
        return Text("Duration trend")
    durations = stats.durations
    if not durations:
        return Text("Duration trend · no durations recorded yet")
    low, high = format_duration(min(durations)), format_duration(max(durations))
    return Text(f"Duration trend · last {len(durations)} runs, oldest left · {low} to {high}")
