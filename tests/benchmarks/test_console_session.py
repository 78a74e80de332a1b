"""How the benchmark reads History off the screen, and when it counts a page down as drawn."""

from __future__ import annotations

import pytest

pytest.importorskip("pyte")

from benchmarks.console_session import HistoryView, read_history  # noqa: E402

HEADER = " Status        Run        Job                     Started      Took     Added / seen   Error / message"
FOOTER = "⏎ Detail s Stop t Trigger p Pause f Status / Filter tab Next pane ? Help q Quit"


def row(status: str, run: str, job: str) -> str:
    return f" {status:<13} {run:<10} {job:<23} 16:54:20     3.3s     +35 / 2,836    ok"


def screen(title: str, rows: list[str], *, marker: bool = False, blank: int = 0) -> list[str]:
    lines = [" jobconsole  ● running", "─Upcoming" + "─" * 20, " job-000   every 10 minutes", title + "─" * 30]
    if marker:
        lines.append(" ▲ 50 newer runs above · home: show the newest")
    return [*lines, HEADER, *rows, *[""] * blank, FOOTER]


def test_reads_title_and_rows_by_the_header_columns() -> None:
    shown = read_history(
        screen("─History · skipped · job *B-042*", [row("» skipped", "#11342", "job-042"), row("✗ failed", "#10000…", "job-1")])
    )
    assert shown is not None
    assert shown.title == "History · skipped · job *B-042*" and shown.status_label == "skipped"
    assert [(r.run_id, r.status, r.job) for r in shown.rows] == [(11342, "skipped", "job-042"), (None, "failed", "job-1")]
    assert not shown.full  # an id cut short


def test_page_down_counts_the_next_block_of_every_run_with_the_newer_runs_line() -> None:
    before = read_history(screen("─History", [row("✓ succeeded", f"#{i}", "job-000") for i in range(969, 950, -1)]))
    # The page is held now: the "newer runs" line takes one line, so one row fewer fits.
    after = read_history(
        screen("─History", [row("✓ succeeded", f"#{i}", "job-000") for i in range(950, 932, -1)], marker=True)
    )
    view = HistoryView()
    assert view.next_block(before, after)
    gap = read_history(screen("─History", [row("✓ succeeded", f"#{i}", "job-000") for i in (950, 948, 947)]))
    assert not view.next_block(before, gap)
    half = read_history(screen("─History", [row("✓ succeeded", "#950", "job-000")], blank=3))
    assert not view.next_block(before, half)
    assert not view.next_block(after, before)  # newer, not older


def test_a_filtered_page_is_the_filters_runs_in_order_each_row_the_filters() -> None:
    runs = tuple(range(19942, 0, -100))
    view = HistoryView(job_part="B-042", runs=runs)
    title = "─History · job *B-042*"
    first = read_history(screen(title, [row("✓ succeeded", f"#{i}", "job-042") for i in runs[:4]]))
    assert view.first_page(first)
    assert not HistoryView(status="skipped", job_part="B-042", runs=runs).first_page(first)  # another title
    nxt = read_history(screen(title, [row("✓ succeeded", f"#{i}", "job-042") for i in runs[4:8]], marker=True))
    assert view.next_block(first, nxt)
    skipped_one = read_history(screen(title, [row("✓ succeeded", f"#{i}", "job-042") for i in runs[5:9]]))
    assert not view.next_block(first, skipped_one)
    other_job = read_history(screen(title, [row("✓ succeeded", f"#{i}", "job-043") for i in runs[4:8]]))
    assert not view.next_block(first, other_job)
    none = read_history(["─History · skipped · job *B-042*───", " No runs match this filter. f: next status", "", FOOTER])
    assert HistoryView(status="skipped", job_part="B-042", runs=()).first_page(none)
