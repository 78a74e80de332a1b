"""Jobs modules that fail in the ways the CLI must explain in one line."""

from __future__ import annotations

import schedule


def setup_scheduled_jobs(scheduler) -> None:
    scheduler.register("nightly", lambda stop_event: None, schedule.every().day.at("03:00"))
    raise RuntimeError("missing setting PARTNER_FEED_URL")
