"""``jobconsole --no-ui --metrics-port``: the metrics of a real headless scheduler, scraped over HTTP and
parsed as Prometheus parses them, against the rows in its database; a standby's; bad ports and settings."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.cli.support import REPO, Server, clean_env, jobconsole_command, wait_until

RAN = ("succeeded", "failed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample at http://127.0.0.1:PORT/metrics, by name and labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        body = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def table(database_url: str, sql: str) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def shell(*args: str) -> None:
    done = subprocess.run(jobconsole_command(*args), cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(180)
def test_the_metrics_of_a_headless_scheduler_match_its_table(database_url: str) -> None:
    port, standby_port, closed = free_port(), free_port(), free_port()
    hook = f"json://127.0.0.1:{closed}/hook"  # nothing listens: every notice to it fails
    leader = Server("--jobs", "tests.cli.jobs_metrics", "--db", database_url, "--metrics-port", str(port),
                    env={"JOBCONSOLE_NOTIFY_URLS": hook})
    standby = None
    try:
        leader.wait_for_lines("scheduler started")
        wait_until(lambda: True if value(scrape(port), "jobconsole_runs_total", job="slow", status="succeeded") >= 3
                   else None, timeout=30)
        standby = Server("--jobs", "tests.cli.jobs_metrics", "--db", database_url, "--metrics-port", str(standby_port))
        standby.wait_for_lines("standing by")
        for job in ("tick", "flaky", "slow"):
            shell("pause", job, "--db", database_url)

        def settled() -> dict | None:
            """Every job paused, no run in progress, every record written, and no change for a second."""
            first = scrape(port)
            if value(first, "jobconsole_jobs_paused") != 3 or value(first, "jobconsole_runs_in_progress"):
                return None
            if value(first, "jobconsole_recorder_pending_records"):
                return None
            time.sleep(1.0)
            second = scrape(port)
            return second if second == first else None

        samples = wait_until(settled, timeout=30)
        standby_samples = scrape(standby_port)
    finally:
        for server in (standby, leader):
            if server is not None:
                server.process.terminate()
                server.finish()

    rows = table(database_url, "SELECT job_name, status, count(*) FROM scheduled_job_runs GROUP BY job_name, status")
    assert {(job, status): count for job, status, count in rows} == {
        (dict(labels)["job"], dict(labels)["status"]): count
        for (name, labels), count in samples.items() if name == "jobconsole_runs_total"
    }
    ran = Counter()
    for job, status, count in rows:
        if status in RAN:
            ran[job] += count
    for job in ("tick", "flaky", "slow"):
        assert value(samples, "jobconsole_run_duration_seconds_count", job=job) == ran[job] > 0
    slow_seconds = value(samples, "jobconsole_run_duration_seconds_sum", job="slow")
    assert 0.2 * ran["slow"] <= slow_seconds < 1.0 * ran["slow"]
    assert value(samples, "jobconsole_run_duration_seconds_bucket", job="slow", le="0.1") == 0
    assert value(samples, "jobconsole_run_duration_seconds_bucket", job="slow", le="+Inf") == ran["slow"]
    ((scheduled,),) = table(database_url, "SELECT count(*) FROM scheduled_job_runs WHERE triggered_by = 'scheduled' "
                                          "AND status IN ('succeeded', 'failed', 'timed_out', 'stopped')")
    assert value(samples, "jobconsole_dispatch_lateness_seconds_count") == scheduled
    # Dispatch on this machine is milliseconds late; a second is already a fault.
    assert value(samples, "jobconsole_dispatch_lateness_seconds_bucket", le="1") == scheduled
    assert value(samples, "jobconsole_jobs") == 4
    assert value(samples, "jobconsole_role", role="leader") == 1 and value(samples, "jobconsole_role", role="standby") == 0
    assert value(samples, "jobconsole_database_reachable") == 1
    # The alert policy sent one notice (flaky's first failure): the webhook nobody answers failed it once.
    assert value(samples, "jobconsole_notifier_failures_total", notifier=f"ServiceNotifier({hook})") == 1
    assert value(samples, "jobconsole_notifier_failures_total", notifier="LogNotifier(jobconsole.notify)") == 0
    assert value(standby_samples, "jobconsole_role", role="standby") == 1
    assert value(standby_samples, "jobconsole_role", role="leader") == 0
    assert value(standby_samples, "jobconsole_runs_in_progress") == 0


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        jobconsole_command("--no-ui", "--jobs", "tests.cli.jobs_metrics", *args), cwd=REPO, env=clean_env(**env),
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--metrics-port", "70000"], {}, "argument --metrics-port: '70000' is not a port number from 1 to 65535"),
        (["--metrics-port", "-1"], {}, "argument --metrics-port: '-1' is not a port number"),
        ([], {"JOBCONSOLE_METRICS_PORT": "http"},
         "JOBCONSOLE_METRICS_PORT must be a port number between 1 and 65535, or 0 for off, not 'http'"),
        (["--metrics-port", "9100", "--metrics-host", "203.0.113.7"], {},
         "cannot serve metrics on 203.0.113.7:9100: no such address on this machine (check --metrics-host)"),
        ([], {"JOBCONSOLE_ALERT_REMINDER": "soon"}, 'JOBCONSOLE_ALERT_REMINDER must be a duration such as "30m"'),
        ([], {"JOBCONSOLE_NOTIFY_URLS": "json://127.0.0.1:9/hook nosuch://user:s3cret@host/x"},
         "notification URL nosuch://… is not one apprise can send to"),
    ],
    ids=["port-out-of-range", "negative-port", "port-env-not-a-number", "host-not-here", "bad-reminder",
         "unknown-service-url"],
)
def test_bad_metrics_and_notification_settings_give_one_line_and_exit_2(args, env, expected, tmp_path) -> None:
    completed = run_cli(*args, "--db", f"sqlite:///{tmp_path / 'runs.db'}", **env)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("jobconsole: error: ") and expected in lines[0]
    assert "s3cret" not in completed.stderr


def test_a_port_in_use_gives_one_line_and_exit_2(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = run_cli("--metrics-port", str(port), "--db", f"sqlite:///{tmp_path / 'runs.db'}")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"jobconsole: error: cannot serve metrics on 127.0.0.1:{port}: the port is in use by another process "
        "(choose another --metrics-port)"
    ]
