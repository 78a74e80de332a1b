"""The value a job returns: the job API of the system jobconsole replaces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class JobResult:
    """What a job reports about one run.

    ``success=False`` marks the run failed with ``error`` (an exception or a
    message). Returning ``None`` from a job counts as success.
    """

    success: bool
    error: BaseException | str | None = None
    lines_added: int | None = None
    lines_processed: int | None = None
    message: str | None = None


ScraperResult = JobResult
"""The name the original system used; kept so existing jobs import unchanged."""
