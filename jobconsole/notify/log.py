"""Notices as log lines."""

from __future__ import annotations

import logging

from jobconsole.notify.notice import FailureNotice, NoticeKind
from jobconsole.notify.texts import headline

LOGGER_NAME = "jobconsole.notify"


class LogNotifier:
    """Logs one line per notice: ERROR for a failure, a reminder or an overdue job (with the error's
    first line when there is one), WARNING for a recovery.

    The full traceback stays in the run history (and the email); one line per
    notice keeps journald and container logs easy to scan.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    def __call__(self, notice: FailureNotice) -> None:
        if notice.kind is NoticeKind.FAILURE:
            attempt = notice.attempt_words
            self.logger.error(
                "job %s run %s %s%s: %s",
                notice.job_name,
                "-" if notice.run_id is None else notice.run_id,
                "failed" if notice.status is None else notice.status.value,
                f" ({attempt})" if attempt else "",
                notice.error_first_line or "(no error message)",
            )
        elif notice.kind is NoticeKind.RECOVERED:
            self.logger.warning("%s", headline(notice))
        elif notice.error_first_line:
            self.logger.error("%s: %s", headline(notice), notice.error_first_line)
        else:
            self.logger.error("%s", headline(notice))

    def __repr__(self) -> str:
        return f"LogNotifier({self.logger.name})"
