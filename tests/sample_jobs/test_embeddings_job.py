from __future__ import annotations

import threading
import time

import pytest

from sample_jobs.embeddings import CURRENT_MODEL, PREVIOUS_MODEL, clean_up_embeddings
from sample_jobs.settings import DemoSettings
from sample_jobs.store import DemoStore
from tests.sample_jobs.support import ObservedEvent

ROWS, BATCH = 200, 20
BATCHES = ROWS // BATCH


@pytest.fixture
def small_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBCONSOLE_DEMO_EMBEDDING_ROWS", str(ROWS))
    monkeypatch.setenv("JOBCONSOLE_DEMO_BATCH_SIZE", str(BATCH))


def stale_rows(settings: DemoSettings) -> int:
    with DemoStore.open(settings.database_path) as store:
        return store.embedding_count(model_other_than=CURRENT_MODEL)


def slow_sweep(monkeypatch: pytest.MonkeyPatch) -> DemoSettings:
    """Pauses far longer than any test waits, so only an honoured stop_event can end the job in time."""
    monkeypatch.setenv("JOBCONSOLE_DEMO_BATCH_DELAY", "60")
    return DemoSettings.from_env()


@pytest.mark.usefixtures("small_index")
def test_a_sweep_re_embeds_every_stale_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBCONSOLE_DEMO_BATCH_DELAY", "0")
    settings = DemoSettings.from_env()
    documents = [f"doc-{n}" for n in range(ROWS)]
    with DemoStore.open(settings.database_path) as store:
        store.add_embeddings_if_empty(
            (doc, PREVIOUS_MODEL if n % 3 == 0 else CURRENT_MODEL, b"old") for n, doc in enumerate(documents)
        )
    stale = stale_rows(settings)

    result = clean_up_embeddings(threading.Event())

    assert result.success, result.error
    assert result.lines_processed == ROWS
    assert f"re-embedded {stale} stale rows" in (result.message or "")
    assert stale_rows(settings) == 0


@pytest.mark.usefixtures("small_index")
def test_the_index_is_built_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBCONSOLE_DEMO_BATCH_DELAY", "0")

    result = clean_up_embeddings(threading.Event())

    assert result.success, result.error
    assert result.lines_processed == ROWS
    assert f"in {BATCHES} batches" in (result.message or "")


@pytest.mark.usefixtures("small_index")
def test_an_already_set_stop_event_ends_the_job_before_any_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = slow_sweep(monkeypatch)
    stop = threading.Event()
    stop.set()

    result = clean_up_embeddings(stop)

    assert not result.success
    assert result.error == f"stopped after 0 of {BATCHES} batches"
    assert result.lines_processed == 0
    assert stale_rows(settings) > 0


@pytest.mark.usefixtures("small_index")
def test_a_stop_from_another_thread_ends_the_job_during_its_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_sweep(monkeypatch)
    stop = ObservedEvent()
    results = []
    worker = threading.Thread(target=lambda: results.append(clean_up_embeddings(stop)))
    worker.start()
    assert stop.paused.wait(10), "the job never paused between batches"

    stopped_at = time.monotonic()
    stop.set()
    worker.join(5)

    assert not worker.is_alive(), "the job ignored its stop_event"
    assert time.monotonic() - stopped_at < 5
    (result,) = results
    assert not result.success
    assert result.error == f"stopped after 1 of {BATCHES} batches"
    assert result.lines_processed == BATCH
