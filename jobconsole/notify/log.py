"""Failure notices as log lines."""

from __future__ import annotations

import logging

from jobconsole.notify.notice import FailureNotice

LOGGER_NAME = "jobconsole.notify"


class LogNotifier:
    """Logs one ERROR line per failure: job, run id, status and the error's first line.

    The full traceback stays in the run history (and the email); one line per
    failure keeps journald and container logs easy to scan.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    def __call__(self, notice: FailureNotice) -> None:
        attempt = notice.attempt_words
        self.logger.error(
            "job %s run %s %s%s: %s",
            notice.job_name,
            "-" if notice.run_id is None else notice.run_id,
            notice.status.value,
            f" ({attempt})" if attempt else "",
            notice.error_first_line or "(no error message)",
        )

    def __repr__(self) -> str:
        return f"LogNotifier({self.logger.name})"
