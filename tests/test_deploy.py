"""The deployment kit in deploy/: the systemd unit, the container recipe and the compose file say what the
README promises, and agree with each other and with the settings the scheduler would read from them.

The container recipe is also built and run, where a container runtime answers (docker or podman)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobconsole.cli import build_parser
from jobconsole.config import load_settings
from tests.cli.support import REPO, Server, clean_env, jobconsole_command

DEPLOY = REPO / "deploy"
KILL_AFTER_SECONDS = 5.0
"""From SIGTERM to SIGKILL for a process run's group (README, "Timeouts")."""
RECORDING_SECONDS = 5.0
"""Room, after the SIGKILL step, for the scheduler to record the stopped runs and give up its lease."""


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit's sections, each key with every value it is given (Environment= may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path}: {line!r} is outside any section"
        key, separator, value = line.partition("=")
        assert separator, f"{path}: {line!r} is not key=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def systemd_seconds(text: str) -> float:
    """``60``, ``60s``, ``1min``, ``1min 30s`` as seconds."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    assert parts and all(unit in units for _, unit in parts), f"unexpected time span {text!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


def unit_environment(service: dict[str, list[str]]) -> dict[str, str]:
    """The environment the unit gives the scheduler: its Environment= lines and the example environment file,
    with the config file the unit names mapped to the example beside it in deploy/."""
    environ: dict[str, str] = {}
    for line in (DEPLOY / "jobconsole.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            environ[name] = value
    for assignment in service.get("Environment", []):
        for word in shlex.split(assignment):
            name, _, value = word.partition("=")
            environ[name] = value
    environ["JOBCONSOLE_CONFIG"] = str(DEPLOY / Path(environ["JOBCONSOLE_CONFIG"]).name)
    return environ


@pytest.fixture(scope="module")
def unit() -> dict[str, dict[str, list[str]]]:
    return read_unit(DEPLOY / "jobconsole.service")


def only(section: dict[str, list[str]], key: str) -> str:
    values = section.get(key, [])
    assert len(values) == 1, f"{key}= is given {len(values)} times"
    return values[0]


def test_the_unit_is_complete_and_runs_the_scheduler_headless_as_its_own_user(unit) -> None:
    assert {"Unit", "Service", "Install"} <= set(unit)
    assert only(unit["Unit"], "Description")
    assert "network-online.target" in only(unit["Unit"], "After")
    assert only(unit["Install"], "WantedBy") == "multi-user.target"
    service = unit["Service"]
    assert only(service, "User") not in ("root", "0")
    command = shlex.split(only(service, "ExecStart"))
    assert command[0].startswith("/") and command[0].endswith("/jobconsole")
    assert "--no-ui" in command[1:]
    build_parser().parse_args(command[1:])  # flags the command takes
    assert only(service, "Restart") == "on-failure", "a replaced leader exits 75 and must come back as a standby"
    assert only(service, "KillMode") == "mixed"


def test_the_unit_gives_the_scheduler_a_valid_configuration(unit) -> None:
    service = unit["Service"]
    assert any(value.lstrip("-") == "/etc/jobconsole/jobconsole.env" for value in service["EnvironmentFile"])
    environ = unit_environment(service)
    settings = load_settings(environ=environ)
    assert settings.config_file == DEPLOY / "jobconsole.toml"
    assert settings.database_url.startswith("postgres://")
    assert settings.jobs == "myapp.jobs"


def test_the_stop_timeout_covers_the_grace_the_kill_step_and_the_recording(unit) -> None:
    service = unit["Service"]
    command = shlex.split(only(service, "ExecStart"))
    grace_flag = build_parser().parse_args(command[1:]).grace
    grace = load_settings({"scheduler.grace_seconds": grace_flag}, environ=unit_environment(service)).grace_seconds
    timeout = systemd_seconds(only(service, "TimeoutStopSec"))
    assert timeout >= grace + KILL_AFTER_SECONDS + RECORDING_SECONDS, (timeout, grace)


def test_the_unit_is_hardened_without_breaking_process_runs(unit) -> None:
    service = unit["Service"]
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    }.items():
        assert only(service, key) == value, key
    # The state directory (journal, spool) is writable under ProtectSystem=strict.
    state_dir = load_settings(environ=unit_environment(service)).state_dir
    assert state_dir is not None
    writable = " ".join(service.get("ReadWritePaths", [])).split()
    writable += [f"/var/lib/{name}" for name in " ".join(service.get("StateDirectory", [])).split()]
    assert any(state_dir == path or state_dir.startswith(path.rstrip("/") + "/") for path in writable), state_dir
    # What would stop the fork server, process groups, signals or the /proc walks, or kill a job's syscalls.
    for key in ("SystemCallFilter", "MemoryDenyWriteExecute", "PrivatePIDs", "ProtectProc", "PrivateNetwork"):
        assert key not in service, f"{key}= would break process runs or the database connection"
    assert "AF_UNIX" in only(service, "RestrictAddressFamilies"), "the fork server listens on a Unix socket"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list), f"{arguments!r} is not exec form"
    return value


def test_the_container_recipe_runs_headless_as_a_non_root_user_on_a_slim_python() -> None:
    instructions = dockerfile_instructions()
    [base] = [arguments for word, arguments in instructions if word == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    users = [arguments for word, arguments in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(word == "RUN" and "useradd" in arguments and users[-1].split(":")[0] in arguments
               for word, arguments in instructions)
    [entrypoint] = [exec_form(arguments) for word, arguments in instructions if word == "ENTRYPOINT"]
    [command] = [exec_form(arguments) for word, arguments in instructions if word == "CMD"]
    assert entrypoint + command == ["jobconsole", "--no-ui"]


def health_check() -> list[str]:
    [arguments] = [arguments for word, arguments in dockerfile_instructions() if word == "HEALTHCHECK"]
    options, _, command = arguments.partition("CMD ")
    assert "--retries=" in options and "--interval=" in options
    return exec_form(command)


def test_the_health_check_is_jobconsole_status_healthy_on_the_leader_and_on_a_standby(database_url: str) -> None:
    """``jobconsole status`` answers for the database, not the process: 0 while a live scheduler leads it,
    so the leader's container and a standby's are both healthy; 1 once none leads."""
    check = health_check()
    assert check == ["jobconsole", "status"]
    arguments = [*check[1:], "--db", database_url]

    def status() -> int:
        return subprocess.run(jobconsole_command(*arguments), cwd=REPO, env=clean_env(), capture_output=True,
                              timeout=60).returncode

    leader = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
    try:
        leader.wait_for_lines("scheduler started")
        standby = Server("--jobs", "tests.cli.jobs_long", "--db", database_url, "--grace", "1")
        try:
            standby.wait_for_lines("standing by")
            assert status() == 0
        finally:
            standby.process.send_signal(signal.SIGTERM)
            assert standby.finish() == 0
    finally:
        leader.process.send_signal(signal.SIGTERM)
        assert leader.finish() == 0
    assert status() == 1


def compose_block(text: str, *path: str) -> list[str]:
    """The lines nested under ``path`` (``services``, ``standby``) in a YAML file, by indentation."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for name in path:
        start = next((index for index, line in enumerate(lines) if line.strip() == f"{name}:" or
                      line.strip().startswith(f"{name}: &")), None)
        assert start is not None, f"no {name!r} in {path}"
        indent = len(lines[start]) - len(lines[start].lstrip())
        block = []
        for line in lines[start + 1:]:
            if len(line) - len(line.lstrip()) <= indent:
                break
            block.append(line)
        lines = block
    return lines


def compose_value(lines: list[str], key: str) -> str:
    values = [line.split(":", 1)[1].strip().strip('"') for line in lines if line.strip().startswith(f"{key}:")]
    assert values, f"no {key}"
    return values[0]


def test_compose_runs_postgresql_a_leader_and_a_standby_on_it() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    services = compose_block(text, "services")
    names = [line.strip()[:-1] for line in services if re.fullmatch(r"  [\w-]+:", line)]
    assert names == ["postgres", "leader", "standby"]
    assert compose_value(compose_block(text, "services", "postgres"), "image").startswith("postgres:")
    shared = compose_block(text, "x-scheduler")
    for name in ("leader", "standby"):
        block = compose_block(text, "services", name)
        assert any(line.strip() == "<<: *scheduler" for line in block), f"{name} is the same scheduler"
        assert any("condition: service_healthy" in line for line in block), f"{name} waits for PostgreSQL"
    url = compose_value(shared, "JOBCONSOLE_DATABASE_URL")
    assert url.startswith("postgres://") and "@postgres:5432/" in url
    assert compose_value(shared, "dockerfile") == "deploy/Dockerfile"
    assert compose_value(shared, "restart") == "on-failure"
    assert compose_value(shared, "init") == "true"
    grace = load_settings(environ={"JOBCONSOLE_GRACE_SECONDS": compose_value(shared, "JOBCONSOLE_GRACE_SECONDS")},
                          cwd=DEPLOY / "nowhere").grace_seconds
    stop = systemd_seconds(compose_value(shared, "stop_grace_period"))
    assert stop >= grace + KILL_AFTER_SECONDS + RECORDING_SECONDS, (stop, grace)


def container_runtime() -> str | None:
    for name in ("docker", "podman"):
        if shutil.which(name) and subprocess.run([name, "info"], capture_output=True, timeout=60).returncode == 0:
            return name
    return None


@pytest.fixture(scope="module")
def runtime() -> str:
    name = container_runtime()
    if name is None:
        pytest.skip("no container runtime answers here (docker or podman on PATH with a running daemon)")
    return name


@pytest.fixture(scope="module")
def image(runtime: str) -> Iterator[str]:
    tag = f"jobconsole-test:{uuid.uuid4().hex[:8]}"
    built = subprocess.run([runtime, "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(REPO)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    yield tag
    subprocess.run([runtime, "rmi", "-f", tag], capture_output=True, timeout=120)


@pytest.mark.timeout(1200)
def test_the_image_runs_the_scheduler_as_non_root_healthy_and_stops_cleanly(runtime: str, image: str) -> None:
    user = subprocess.run([runtime, "run", "--rm", "--entrypoint", "id", image, "-u"],
                          capture_output=True, text=True, timeout=120)
    assert user.returncode == 0 and user.stdout.strip() != "0"
    name = f"jobconsole-test-{uuid.uuid4().hex[:8]}"
    started = subprocess.run([runtime, "run", "-d", "--init", "--name", name, "--stop-timeout", "60", image],
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    try:
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run([runtime, "exec", name, *health_check()], capture_output=True, text=True, timeout=60)
            if check.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert check.returncode == 0, check.stderr
        assert subprocess.run([runtime, "stop", name], capture_output=True, timeout=120).returncode == 0
        exit_code = subprocess.run([runtime, "inspect", "--format", "{{.State.ExitCode}}", name],
                                   capture_output=True, text=True, timeout=60).stdout.strip()
        assert exit_code == "0", "SIGTERM stops the scheduler in order and it exits 0"
    finally:
        subprocess.run([runtime, "rm", "-f", name], capture_output=True, timeout=120)


def test_the_kit_is_what_the_readme_points_to() -> None:
    readme = (REPO / "README.md").read_text()
    for name in ("deploy/jobconsole.service", "deploy/Dockerfile", "deploy/compose.yaml", "deploy/jobconsole.toml"):
        assert (REPO / name).is_file()
        assert name in readme, f"README does not mention {name}"
