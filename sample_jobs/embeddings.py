"""The long job: sweep the embedding index in batches and re-embed stale rows.

This is the timeout example. It works in small batches, pauses between them
so the sweep never hogs the database the app is using, and checks its
stop_event at every pause: when the scheduler asks it to stop (timeout or
operator), it returns within one batch and says how far it got.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator

from jobconsole.result import JobResult
from sample_jobs.events import StopEvent
from sample_jobs.settings import DemoSettings
from sample_jobs.store import DemoStore

CURRENT_MODEL = "multilingual-e5-small@2025-02"
PREVIOUS_MODEL = "multilingual-e5-small@2024-06"
STALE_SHARE = 0.3
"""The share of rows left on the previous model when the index is first built."""


def embed(document_id: str, model: str) -> bytes:
    """A stand-in for a call to the embedding model: deterministic, fast, offline."""
    return hashlib.blake2b(f"{model}\0{document_id}".encode(), digest_size=64).digest()


def clean_up_embeddings(stop_event: StopEvent) -> JobResult:
    """Sweep the whole index, batch by batch, re-embedding rows made by an older model.

    Returns ``JobResult(success=False, error="stopped after N of M batches")``
    as soon as stop_event is set; the batches done so far are kept.
    ``lines_processed`` is the number of rows swept.
    """
    settings = DemoSettings.from_env()
    with DemoStore.open(settings.database_path) as store:
        store.add_embeddings_if_empty(_initial_index(settings.embedding_rows))
        batches = math.ceil(store.embedding_count() / settings.batch_size)
        after_id = swept = refreshed = 0
        for done in range(batches):
            # Pausing on the event, not time.sleep, is what makes a stop take effect at once.
            stopped = stop_event.wait(settings.batch_delay) if done else stop_event.is_set()
            if stopped:
                return JobResult(
                    success=False,
                    error=f"stopped after {done} of {batches} batches",
                    lines_processed=swept,
                    message=f"re-embedded {refreshed} stale rows before stopping",
                )
            rows = store.embedding_batch(after_id, settings.batch_size)
            if not rows:
                break
            stale = [row for row in rows if row.model != CURRENT_MODEL]
            store.replace_embeddings([(row.id, CURRENT_MODEL, embed(row.document_id, CURRENT_MODEL)) for row in stale])
            after_id = rows[-1].id
            swept += len(rows)
            refreshed += len(stale)
    return JobResult(
        success=True,
        lines_processed=swept,
        message=f"swept {swept} rows in {batches} batches; re-embedded {refreshed} stale rows",
    )


def _initial_index(rows: int) -> Iterator[tuple[str, str, bytes]]:
    """The index as the app left it: every document embedded, some with the previous model."""
    rng = random.Random(rows)
    for number in range(1, rows + 1):
        document_id = f"meeting-note:{number:06d}"
        model = PREVIOUS_MODEL if rng.random() < STALE_SHARE else CURRENT_MODEL
        yield document_id, model, embed(document_id, model)
