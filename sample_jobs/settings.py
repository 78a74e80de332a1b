"""Where the sample app keeps its state, and the knobs that size its jobs.

Everything comes from the environment so that a job started in a child
process (which re-imports this module) sees the same values as its parent:

``JOBCONSOLE_DEMO_DIR``
    The sample app's data directory (default ``./demo-data``), created on
    first use. It holds ``sample_app.db`` (meetings, alert log, embedding
    index) and ``outbox/`` (the emails the jobs deliver).
``JOBCONSOLE_DEMO_PAGES``
    How many meeting pages ``scrape_mep_meetings`` parses (default 200).
``JOBCONSOLE_DEMO_EMBEDDING_ROWS``
    The size of the embedding index when it is first created (default 20000).
``JOBCONSOLE_DEMO_BATCH_SIZE``
    Rows per batch in ``clean_up_embeddings`` (default 250).
``JOBCONSOLE_DEMO_BATCH_DELAY``
    Seconds ``clean_up_embeddings`` pauses between batches (default 0.2).
    With the defaults a sweep takes about 16 s; ``0`` makes it take well
    under a second.
``JOBCONSOLE_DEMO_ALERT_SUBSCRIPTIONS``
    A JSON file of alert subscriptions (default: the bundled one, which
    holds some malformed entries on purpose).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

ENV_PREFIX = "JOBCONSOLE_DEMO_"
SITE_SEED = 2025
"""Seeds the generated meeting pages, so every scrape sees the same site."""


@dataclass(frozen=True)
class DemoSettings:
    data_dir: Path
    pages: int = 200
    embedding_rows: int = 20_000
    batch_size: int = 250
    batch_delay: float = 0.2
    alert_subscriptions: Path | None = None
    """None means the bundled ``data/alert_subscriptions.json``."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> DemoSettings:
        """Read ``JOBCONSOLE_DEMO_*``; a bad value raises ValueError naming the variable."""
        subscriptions = environ.get(ENV_PREFIX + "ALERT_SUBSCRIPTIONS", "").strip()
        return cls(
            data_dir=Path(environ.get(ENV_PREFIX + "DIR", "").strip() or "demo-data"),
            pages=_positive_int(environ, "PAGES", cls.pages),
            embedding_rows=_positive_int(environ, "EMBEDDING_ROWS", cls.embedding_rows),
            batch_size=_positive_int(environ, "BATCH_SIZE", cls.batch_size),
            batch_delay=_non_negative_float(environ, "BATCH_DELAY", cls.batch_delay),
            alert_subscriptions=Path(subscriptions) if subscriptions else None,
        )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "sample_app.db"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def bundled_data(name: str) -> Traversable:
    """A file under ``sample_jobs/data/``, found the same way from a checkout or an installed wheel."""
    return files("sample_jobs").joinpath("data", name)


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(ENV_PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{ENV_PREFIX}{name} must be a positive whole number; got {raw!r}")
    return value


def _non_negative_float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(ENV_PREFIX + name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ValueError(f"{ENV_PREFIX}{name} must be a number of seconds, 0 or more; got {raw!r}")
    return value
