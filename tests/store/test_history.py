"""Paging through the run history with keyset queries, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from jobconsole.runs import HistoryPage, HistoryQuery, PageDirection, RunRecord, RunStatus
from jobconsole.store import RunStore, open_store
from tests.store.factories import finished_run, started_run

JOBS = ("send_weekly_newsletter", "scrape_mep_meetings", "clean_up_embeddings")
OUTCOMES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SUCCEEDED, RunStatus.TIMED_OUT, RunStatus.SKIPPED, RunStatus.ABANDONED)


def _history() -> list[RunRecord]:
    # Ids with gaps (ids of another scheduler's runs, say) so paging cannot rely on arithmetic.
    runs = [finished_run(run_id, JOBS[run_id % 3], OUTCOMES[run_id % 6]) for run_id in range(3, 150, 2)]
    return [*runs, started_run(151, JOBS[1])]


@pytest.fixture
def runs() -> list[RunRecord]:
    return _history()


@pytest.fixture
def store(database_url: str, runs: list[RunRecord]) -> Iterator[RunStore]:
    opened = open_store(database_url)
    opened.write(runs)
    yield opened
    opened.close()


def _expected(runs: list[RunRecord], query: HistoryQuery | None = None) -> list[int]:
    """The ids a user expects to see, newest first."""
    query = query or HistoryQuery()
    return [
        run.id
        for run in sorted(runs, key=lambda run: run.id, reverse=True)
        if (query.job_name is None or run.job_name == query.job_name)
        and (query.job_contains is None or query.job_contains.lower() in run.job_name.lower())
        and (not query.failures_only or run.status.is_failure)
        and (not query.statuses or run.status in query.statuses)
    ]


def _page_ids(page: HistoryPage) -> list[int]:
    return [run.id for run in page.rows]


def _walk_older(store: RunStore, base: HistoryQuery) -> tuple[list[int], list[HistoryPage]]:
    """Page from the top to the bottom, the way the console's page-down does."""
    page = store.history(base)
    pages = [page]
    while page.has_older:
        page = store.history(replace(base, direction=PageDirection.OLDER, anchor_id=page.rows[-1].id))
        pages.append(page)
    return [run_id for each in pages for run_id in _page_ids(each)], pages


def _walk_newer(store: RunStore, base: HistoryQuery) -> tuple[list[int], list[HistoryPage]]:
    """Page from the bottom (the `end` key) back up to the top."""
    page = store.history(replace(base, direction=PageDirection.OLDEST))
    pages = [page]
    while page.has_newer:
        page = store.history(replace(base, direction=PageDirection.NEWER, anchor_id=page.rows[0].id))
        pages.append(page)
    return [run_id for each in reversed(pages) for run_id in _page_ids(each)], pages


FILTERS = [
    pytest.param(HistoryQuery(limit=7), id="all"),
    pytest.param(HistoryQuery(limit=7, job_name=JOBS[1]), id="one-job"),
    pytest.param(HistoryQuery(limit=7, failures_only=True), id="failures"),
    pytest.param(HistoryQuery(limit=7, job_name=JOBS[2], failures_only=True), id="job-failures"),
    pytest.param(HistoryQuery(limit=7, job_contains="SCRAPE"), id="name-contains-any-case"),
    # "_" and "%" are the text typed, not LIKE wildcards: "_m" is in scrape_mep_meetings only.
    pytest.param(HistoryQuery(limit=3, job_contains="_m"), id="name-contains-underscore"),
    pytest.param(HistoryQuery(limit=3, statuses=(RunStatus.TIMED_OUT,)), id="one-status"),
    pytest.param(HistoryQuery(limit=3, job_contains="MEP", statuses=(RunStatus.FAILED,)), id="name-and-status"),
]


@pytest.mark.parametrize("base", FILTERS)
def test_paging_older_visits_every_row_once_newest_first(store: RunStore, runs: list[RunRecord], base: HistoryQuery) -> None:
    seen, pages = _walk_older(store, base)

    assert seen == _expected(runs, base)
    assert len(pages) > 1
    assert all(len(page.rows) == base.limit for page in pages[:-1])
    assert not pages[0].has_newer
    assert all(page.has_newer for page in pages[1:])


@pytest.mark.parametrize("base", FILTERS)
def test_paging_newer_from_the_last_page_visits_every_row_once(store: RunStore, runs: list[RunRecord], base: HistoryQuery) -> None:
    seen, pages = _walk_newer(store, base)

    assert seen == _expected(runs, base)
    assert len(pages) > 1
    for page in pages:
        assert _page_ids(page) == sorted(_page_ids(page), reverse=True), "rows are newest first in every direction"
    assert not pages[0].has_older
    assert all(page.has_older for page in pages[1:])


def test_last_page_holds_the_oldest_rows(store: RunStore, runs: list[RunRecord]) -> None:
    page = store.history(HistoryQuery(limit=10, direction=PageDirection.OLDEST))

    assert _page_ids(page) == _expected(runs)[-10:]
    assert (page.has_older, page.has_newer) == (False, True)


def test_newest_page_holds_the_newest_rows_in_full(store: RunStore, runs: list[RunRecord]) -> None:
    page = store.history(HistoryQuery(limit=5))

    assert _page_ids(page) == _expected(runs)[:5]
    assert page.rows[0] == runs[-1], "rows come back as complete records"
    assert (page.has_older, page.has_newer) == (True, False)


def test_going_back_newer_from_a_page_returns_the_page_before_it(store: RunStore, runs: list[RunRecord]) -> None:
    first = store.history(HistoryQuery(limit=6, failures_only=True))
    second = store.history(HistoryQuery(limit=6, direction=PageDirection.OLDER, anchor_id=first.rows[-1].id, failures_only=True))
    back = store.history(HistoryQuery(limit=6, direction=PageDirection.NEWER, anchor_id=second.rows[0].id, failures_only=True))

    assert back.rows == first.rows
    assert (back.has_older, back.has_newer) == (True, False)


def test_a_page_that_fits_everything_has_nothing_either_side(store: RunStore, runs: list[RunRecord]) -> None:
    for direction in (PageDirection.NEWEST, PageDirection.OLDEST):
        page = store.history(HistoryQuery(limit=len(runs), direction=direction))
        assert _page_ids(page) == _expected(runs)
        assert (page.has_older, page.has_newer) == (False, False)


def test_anchor_past_either_end_gives_an_empty_page_that_points_back(store: RunStore, runs: list[RunRecord]) -> None:
    below = store.history(HistoryQuery(direction=PageDirection.OLDER, anchor_id=min(run.id for run in runs)))
    above = store.history(HistoryQuery(direction=PageDirection.NEWER, anchor_id=max(run.id for run in runs)))

    assert (below.rows, below.has_older, below.has_newer) == ((), False, True)
    assert (above.rows, above.has_older, above.has_newer) == ((), True, False)


def test_unknown_job_gives_an_empty_page(store: RunStore) -> None:
    page = store.history(HistoryQuery(job_name="no_such_job"))
    assert (page.rows, page.has_older, page.has_newer) == ((), False, False)


def test_rows_added_after_the_first_page_show_up_going_newer(store: RunStore, runs: list[RunRecord]) -> None:
    top = store.history(HistoryQuery(limit=5))
    store.write([finished_run(200), finished_run(201)])

    newer = store.history(HistoryQuery(limit=5, direction=PageDirection.NEWER, anchor_id=top.rows[0].id))

    assert _page_ids(newer) == [201, 200]
    assert (newer.has_older, newer.has_newer) == (True, False)


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        (HistoryQuery(direction=PageDirection.OLDER), "needs an anchor_id"),
        (HistoryQuery(direction=PageDirection.NEWER), "needs an anchor_id"),
        (HistoryQuery(limit=0), "at least 1"),
    ],
)
def test_bad_queries_are_refused(tmp_path: Path, query: HistoryQuery, complaint: str) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'jobconsole.db'}")
    try:
        with pytest.raises(ValueError, match=complaint):
            store.history(query)
    finally:
        store.close()
