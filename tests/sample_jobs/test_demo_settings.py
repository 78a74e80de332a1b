from __future__ import annotations

import re

import pytest

from sample_jobs.settings import DemoSettings


@pytest.mark.parametrize(
    ("name", "value"),
    [("PAGES", "many"), ("PAGES", "0"), ("BATCH_SIZE", "-5"), ("BATCH_DELAY", "soon"), ("BATCH_DELAY", "nan")],
)
def test_a_bad_knob_is_named_in_one_line(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"JOBCONSOLE_DEMO_{name}")) as raised:
        DemoSettings.from_env({f"JOBCONSOLE_DEMO_{name}": value})
    assert repr(value) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_defaults_keep_the_data_in_demo_data() -> None:
    settings = DemoSettings.from_env({})
    assert settings.database_path.parent.name == "demo-data"
    assert settings.outbox_dir.parent == settings.database_path.parent
