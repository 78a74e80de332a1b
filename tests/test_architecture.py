"""The dependency rules hold: the engine runs without Textual, the console sees only the interface."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 broken" in completed.stdout


def test_engine_and_headless_mode_import_with_textual_blocked() -> None:
    script = textwrap.dedent(
        """
        import sys

        class BlockTextual:
            def find_spec(self, name, path=None, target=None):
                if name == "textual" or name.startswith("textual."):
                    raise ImportError("textual is blocked in this test")
                return None

        sys.meta_path.insert(0, BlockTextual())
        import jobconsole
        import jobconsole.engine
        import jobconsole.headless
        import jobconsole.cli
        assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules)
        print("ok")
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "ok", completed.stderr


def test_the_command_module_loads_the_engine_only_once_main_runs() -> None:
    # main() turns the garbage collector off before the engine, the store and SQLAlchemy load (see cli.py).
    script = textwrap.dedent(
        """
        import sys
        import jobconsole.cli
        heavy = sorted(m for m in ("sqlalchemy", "jobconsole.engine", "jobconsole.store", "textual") if m in sys.modules)
        from jobconsole import JobResult, JobScheduler, RunStatus, ScraperResult, notify_job_failure, scheduler
        import jobconsole
        assert isinstance(scheduler, JobScheduler) and jobconsole.scheduler is scheduler
        assert JobResult is ScraperResult and RunStatus.FAILED and callable(notify_job_failure)
        print("loaded early:", heavy)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "loaded early: []", completed.stderr
