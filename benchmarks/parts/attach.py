"""8. Attach: a headless leader seen and steered through its database, on SQLite and PostgreSQL.

A leader with 100 jobs (each every 10 s) and three attached readers (each a RemoteScheduler
following the published state, as an attached console does). Measured:

- state lag: a run starts on the leader (its row's started_at) → an attached reader's snapshot shows it;
- command latency: a trigger left in the database → the leader has carried it out (the command row's
  requested_at → handled_at, both on the database's clock);
- what publishing costs the leader: its publisher thread's CPU time over the window, and writes per second;
- an attached console (``jobconsole --attach`` under a pseudo-terminal) on those rows: first page, page down;
- ``jobconsole runs --limit 50`` on 1,000,000 rows, interpreter start included.

There is nothing to compare with side by side: APScheduler 3.x and schedule have no attach, and no shell
CLI over a shared store.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.parts import PartResult
from benchmarks.report import Table
from benchmarks.runner import REPO, child_env
from benchmarks.seed import seed
from benchmarks.settings import Settings
from benchmarks.stats import Summary, percentile

JOBS_MODULE = "benchmarks.job_modules.hundred_jobs"
FOLLOW = (
    "import sys, time\n"
    "from jobconsole.attach.remote import RemoteScheduler\n"
    "from jobconsole.store import open_store\n"
    "remote = RemoteScheduler(open_store(sys.argv[1])); remote.start(); time.sleep(float(sys.argv[2])); remote.close()\n"
)


def run(settings: Settings) -> PartResult:
    table = Table(
        f"8. Attach — a leader with 100 jobs, 3 attached readers; {settings.attach_commands} triggers; "
        f"`jobconsole runs` on {settings.history_rows:,} rows"
    )
    raw: dict[str, object] = {}
    from tests.support.postgres import PostgresServer

    with tempfile.TemporaryDirectory(prefix="jobconsole-bench-") as scratch:
        server = PostgresServer()
        try:
            server.start()
            urls = {
                "SQLite": f"sqlite:///{Path(scratch) / 'attach.db'}",
                "PostgreSQL": server.create_database("jobconsole_attach"),
            }
            for backend, url in urls.items():
                raw[backend] = measure(url, settings, Path(scratch))
        finally:
            server.cleanup()
    for backend, key, label, target, limit in (
        ("SQLite", "lag", "state lag, run starts → attached snapshot shows it, p99 (s)", "≤ 1 s", 1.0),
        ("PostgreSQL", "lag", "state lag, run starts → attached snapshot shows it, p99 (s)", "≤ 1 s", 1.0),
        ("SQLite", "command", "command latency, trigger left → carried out, p99 (s)", "≤ 1 s", 1.0),
        ("PostgreSQL", "command", "command latency, trigger left → carried out, p99 (s)", "≤ 0.3 s", 0.3),
        ("SQLite", "publish_cpu_pct", "publishing, 3 readers attached: publisher thread, % of a core", "< 1 %", 1.0),
        ("PostgreSQL", "publish_cpu_pct", "publishing, 3 readers attached: publisher thread, % of a core", "< 1 %", 1.0),
        ("SQLite", "writes_per_s", "publishing, 3 readers attached: writes per second", "a few", 5.0),
        ("PostgreSQL", "writes_per_s", "publishing, 3 readers attached: writes per second", "a few", 5.0),
        ("SQLite", "console_first_page", "attached console: start → first page of history (s)", "< 1.5 s", 1.5),
        ("PostgreSQL", "console_first_page", "attached console: start → first page of history (s)", "< 1.5 s", 1.5),
        ("SQLite", "console_page_down_ms", "attached console: page down, slowest (ms)", "< 50 ms", 50.0),
        ("PostgreSQL", "console_page_down_ms", "attached console: page down, slowest (ms)", "< 50 ms", 50.0),
        ("SQLite", "runs_cli", "`jobconsole runs --limit 50`, start to exit, max of 5 (s)", "< 0.3 s", 0.3),
        ("PostgreSQL", "runs_cli", "`jobconsole runs --limit 50`, start to exit, max of 5 (s)", "< 0.3 s", 0.3),
    ):
        result = raw[backend]
        assert isinstance(result, dict)
        value = result[key]
        table.add(f"{backend}: {label}", target, value < limit, jobconsole=Summary.of([value]))
    for backend in ("SQLite", "PostgreSQL"):
        result = raw[backend]
        assert isinstance(result, dict)
        table.notes.append(
            f"{backend}: with a trigger and a stop every second as well, the publisher thread took "
            f"{result['busy_publish_cpu_pct']:.2f} % of a core and wrote {result['busy_writes_per_s']:.1f} times a second."
        )
    table.notes.append(
        "Lag and latency are p99 over the triggers; publishing is over a window of its own with the three readers "
        "attached and nobody acting; the CLI time is the slowest of five runs, interpreter start included."
    )
    return PartResult([table], raw)


def _attached_console(url: str, settings: Settings, scratch: Path, env: dict[str, str]) -> tuple[float, list[float]]:
    """``jobconsole --attach`` under a pseudo-terminal: start → its first page of history on screen, then page
    downs (each: key → the next block of rows drawn)."""
    from benchmarks.console_session import focus_history, page_down
    from benchmarks.terminal import PtySession, run_ids

    launched = time.monotonic()
    session = PtySession([sys.executable, "-m", "jobconsole", "--attach", "--db", url], env=env, cwd=str(scratch))
    try:
        drawn = session.wait_for(lambda text: len(run_ids(text)) >= 10, 60)
        if drawn is None:
            raise RuntimeError("the attached console drew no history within 60 s")
        first_page = drawn - launched
        time.sleep(settings.settle_seconds)
        focus_history(session)
        time.sleep(settings.settle_seconds / 4)
        pages = []
        for _ in range(settings.page_downs):
            pages.append(page_down(session) * 1000)
            time.sleep(0.2)
    finally:
        session.send("q")
        session.wait_exit(5.0)
        session.close()
    return first_page, pages


def _leader_log_cpu(lines: list[str]) -> tuple[int, float]:
    for line in lines:
        found = re.search(r"published the state (\d+) times, using ([\d.]+) s of CPU", line)
        if found:
            return int(found.group(1)), float(found.group(2))
    raise RuntimeError("the leader did not report what publishing cost it")


def _start_leader(url: str, env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], object]:
    # The leader's log goes to a file: a pipe nobody reads until the end fills up, and then every thread
    # of the leader that logs waits on it.
    log_file = log_path.open("w")
    leader = subprocess.Popen(
        [sys.executable, "-m", "jobconsole", "--no-ui", "--jobs", JOBS_MODULE, "--db", url, "--log-level", "DEBUG"],
        cwd=REPO, env=env, stderr=log_file, stdout=subprocess.DEVNULL,
    )
    return leader, log_file


def _wait_for_leader(remote: object) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            remote.require_live_leader()  # type: ignore[attr-defined]
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _quiet_publishing(url: str, settings: Settings, scratch: Path, env: dict[str, str]) -> tuple[float, float]:
    """The leader with three readers attached and nobody acting: its publisher's % of a core, writes a second."""
    from jobconsole.attach.remote import RemoteScheduler
    from jobconsole.store import open_store

    store = open_store(url)
    log_path = scratch / f"quiet-{url.split(':', 1)[0]}.log"
    leader, log_file = _start_leader(url, env, log_path)
    readers: list[subprocess.Popen[bytes]] = []
    try:
        _wait_for_leader(RemoteScheduler(store))
        readers = [
            subprocess.Popen([sys.executable, "-c", FOLLOW, url, str(settings.attach_seconds + 10)], cwd=REPO, env=env)
            for _ in range(3)
        ]
        began = time.monotonic()
        time.sleep(settings.attach_seconds)
    finally:
        for reader in readers:
            reader.kill()
            reader.wait()
        leader.send_signal(signal.SIGTERM)
        leader.wait(timeout=60)
        log_file.close()  # type: ignore[attr-defined]
        store.close()
    # The publisher's CPU counts from the leader's start: a few seconds more than the window, so a bound.
    writes, cpu = _leader_log_cpu(log_path.read_text().splitlines())
    window = time.monotonic() - began
    return 100 * cpu / window, writes / window


def measure(url: str, settings: Settings, scratch: Path) -> dict[str, float]:
    from jobconsole.attach.remote import RemoteScheduler
    from jobconsole.store import open_store

    store = open_store(url)
    seed(store, settings.history_rows)
    env = child_env(XDG_STATE_HOME=str(scratch / "state"))
    cli = [sys.executable, "-m", "jobconsole"]
    quiet_cpu, quiet_writes = _quiet_publishing(url, settings, scratch, env)
    log_path = scratch / f"leader-{url.split(':', 1)[0]}.log"
    leader, log_file = _start_leader(url, env, log_path)
    readers: list[subprocess.Popen[bytes]] = []
    remote = RemoteScheduler(store)
    try:
        _wait_for_leader(remote)
        window_start = time.monotonic()
        readers = [
            subprocess.Popen([sys.executable, "-c", FOLLOW, url, str(settings.attach_seconds + 30)], cwd=REPO, env=env)
            for _ in range(3)
        ]
        remote.start()
        lags: list[float] = []
        latencies: list[float] = []
        channel = store.attach_channel()
        pause = settings.attach_seconds / max(settings.attach_commands, 1)
        for _ in range(settings.attach_commands):
            result = remote.trigger("nightly")
            if not result.ok or result.run_id is None:
                raise RuntimeError(f"trigger refused: {result.message}")
            run_id = result.run_id
            (command,) = [c for c in channel.commands_for_run(run_id) if c.kind.value == "trigger"]
            assert command.handled_at is not None
            latencies.append(command.handled_at - command.requested_at)
            while not any(run.run_id == run_id for run in remote.snapshot().running):
                time.sleep(0.005)
            seen = time.time()
            # The snapshot may show the run before the recorder has written its row (tens of ms later).
            while (row := store.get_run(run_id)) is None:
                time.sleep(0.01)
            lags.append(seen - row.started_at.timestamp())
            stopped = remote.stop(run_id)
            if not stopped.ok:
                raise RuntimeError(f"stop refused: {stopped.message}")
            while any(run.run_id == run_id for run in remote.snapshot().running):
                time.sleep(0.01)
            time.sleep(max(pause - 0.5, 0.0))
        window = time.monotonic() - window_start
        first_page, pages = _attached_console(url, settings, scratch, env)
        runs_cli: list[float] = []
        for _ in range(5):
            began = time.perf_counter()
            subprocess.run([*cli, "runs", "--limit", "50", "--db", url], cwd=REPO, env=env,
                           capture_output=True, check=True, timeout=60)
            runs_cli.append(time.perf_counter() - began)
    finally:
        remote.close()
        for reader in readers:
            reader.kill()
            reader.wait()
        leader.send_signal(signal.SIGTERM)
        leader.wait(timeout=60)
        log_file.close()  # type: ignore[attr-defined]
        store.close()
    writes, cpu = _leader_log_cpu(log_path.read_text().splitlines())
    return {
        "publish_cpu_pct": quiet_cpu,
        "writes_per_s": quiet_writes,
        "busy_publish_cpu_pct": 100 * cpu / window,
        "busy_writes_per_s": writes / window,
        "lag": percentile(lags, 0.99),
        "lag_p50": percentile(lags, 0.5),
        "command": percentile(latencies, 0.99),
        "command_p50": percentile(latencies, 0.5),
        "console_first_page": first_page,
        "console_page_down_ms": max(pages),
        "runs_cli": max(runs_cli),
        "runs_cli_median": sorted(runs_cli)[2],
        "window_s": window,
    }
