"""The benchmark harness still runs end to end (``python -m benchmarks --quick``).

A smoke test, not a benchmark: it checks that every part produced its table
and its JSON, never what the figures are.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PARTS = ("lateness", "burst", "process", "idle", "history", "ssh", "failover", "attach", "purge")


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is not None:
        return
    message = f"{module} is not installed: pip install -e '.[bench]'"
    if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
        pytest.fail(f"{message} (CI is set, so the benchmark smoke test must run, not skip)", pytrace=False)
    pytest.skip(message)


def _full_errors(raw: object) -> list[str]:
    """Every error's whole text in a part's raw JSON (the table shows only its first line)."""
    if isinstance(raw, dict):
        if set(raw) == {"error"}:
            return [str(raw["error"])]
        return [text for value in raw.values() for text in _full_errors(value)]
    if isinstance(raw, list):
        return [text for value in raw for text in _full_errors(value)]
    return []


QUICK_RUN_SECONDS = 240


@pytest.mark.timeout(QUICK_RUN_SECONDS + 30)
def test_quick_run_prints_every_table_and_writes_json(tmp_path: Path) -> None:
    for module in ("apscheduler", "pyte"):
        _require(module)
    # A session of its own: if the run overstays, it is ended with everything it started.
    harness = subprocess.Popen(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        printed, errors = harness.communicate(timeout=QUICK_RUN_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(harness.pid, signal.SIGKILL)
        _, errors = harness.communicate()
        pytest.fail(f"the quick run took over {QUICK_RUN_SECONDS} s: {errors[-3000:]}", pytrace=False)
    assert harness.returncode == 0, errors[-3000:]

    for title in ("1. Dispatch lateness", "1b. Drift", "2. Burst", "3. Process runs", "4. Idle cost",
                  "5. History at scale", "6. Over SSH", "7. Failover", "8. Attach",
                  "9. Purge while recording"):
        assert f"### {title}" in printed
    assert "APScheduler 3." in printed and "schedule 1." in printed and "cores" in printed
    assert (tmp_path / "latest.md").read_text().strip() == printed.strip()

    results = json.loads((tmp_path / "latest.json").read_text())
    assert set(results["parts"]) == set(PARTS)
    assert results["machine"]["apscheduler"].startswith("3.")
    failures = [
        f"{table['title']}: {row['measure']}: {value}"
        for part in results["parts"].values()
        for table in part["tables"]
        for row in table["rows"]
        for value in row["values"].values()
        if isinstance(value, str) and value.startswith("error")
    ]
    details = [text for part in results["parts"].values() for text in _full_errors(part["raw"])]
    assert not failures, "\n".join(failures + ["", "In full:", *details])
    lateness = results["parts"]["lateness"]["raw"]["lateness"]
    for contender in ("jobconsole", "apscheduler", "schedule"):
        (run,) = next(iter(lateness.values()))[contender]
        # Every run of the short window ran (the figures themselves are not checked).
        assert run["ran"] == run["expected"], run
