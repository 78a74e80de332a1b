from __future__ import annotations

import threading
import traceback
from pathlib import Path

import pytest

import sample_jobs.partner_feed
from sample_jobs.partner_feed import FEED_NAME, PartnerFeedError, sync_partner_feed
from sample_jobs.settings import bundled_data


def test_the_partner_feed_job_raises_through_its_helpers() -> None:
    feed = bundled_data(FEED_NAME).read_text("utf-8").splitlines()
    bad_line = next(number for number, line in enumerate(feed, start=1) if "/" in line.split(",")[2])

    with pytest.raises(PartnerFeedError) as raised:
        sync_partner_feed(threading.Event())

    assert str(raised.value).startswith(f"{FEED_NAME} line {bad_line}: registered_on is ")
    assert isinstance(raised.value.__cause__, ValueError)
    job_file = Path(sample_jobs.partner_feed.__file__)
    frames = [frame for frame in traceback.extract_tb(raised.value.__traceback__) if Path(frame.filename) == job_file]
    assert [frames[0].name, frames[-1].name] == ["sync_partner_feed", "_parse_date"]
    assert len(frames) >= 4
    formatted = "".join(traceback.format_exception(raised.value))
    assert f'File "{job_file}"' in formatted
    assert "The above exception was the direct cause" in formatted
