"""The console's frame cap: Textual's TEXTUAL_FPS, raised for the console, never passed on to the jobs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

READ_BACK = (
    "from jobconsole import cli; cli.import_console(); "
    "import os, textual.constants; print(textual.constants.MAX_FPS, os.environ.get('TEXTUAL_FPS'))"
)


@pytest.mark.parametrize(("preset", "cap"), [(None, "240"), ("30", "30")], ids=["unset", "set by the operator"])
def test_the_console_draws_up_to_240_frames_a_second_unless_textual_fps_says_otherwise(
    preset: str | None, cap: str
) -> None:
    env = {name: value for name, value in os.environ.items() if name != "TEXTUAL_FPS"}
    if preset is not None:
        env["TEXTUAL_FPS"] = preset
    shown = subprocess.run(
        [sys.executable, "-c", READ_BACK], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    # The environment the jobs (and their processes) see is the one the console was started with.
    assert shown == [cap, str(preset)]
