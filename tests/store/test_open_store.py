"""Opening the run history: bad URLs, unreachable servers, schema creation."""

from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from jobconsole.store import StoreConfigError, StoreUnavailableError, open_store, redact_url
from tests.store.factories import finished_run
from tests.support.postgres import ExternalPostgres, PostgresServer

PASSWORD = "s3cret-pw"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("not a url", "'not a url'"),
        (f"postgresql://jobs:{PASSWORD}@db.example:fivefourthreetwo/runs", "jobs:***@db.example"),
        (f"postgresql://jobs:{PASSWORD}@db.example:99999/runs", "jobs:***@db.example:99999"),
    ],
)
def test_malformed_url_is_a_config_error_naming_the_url(url: str, shown: str) -> None:
    with pytest.raises(StoreConfigError) as caught:
        open_store(url)
    message = str(caught.value)
    assert message.startswith("malformed database URL")
    assert shown in message
    assert PASSWORD not in message
    assert "\n" not in message
    assert "sqlite:///" in message, "the message shows a URL that would work"


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://jobs:{PASSWORD}@db.example/runs",
        f"postgresql+asyncpg://jobs:{PASSWORD}@db.example/runs",
        "nosuchdb:///runs",
    ],
)
def test_unsupported_backend_is_a_config_error(url: str) -> None:
    with pytest.raises(StoreConfigError) as caught:
        open_store(url)
    message = str(caught.value)
    assert message.startswith(f"unsupported database URL {redact_url(url)}:")
    assert PASSWORD not in message
    assert "\n" not in message


def test_unreachable_postgres_is_unavailable_with_one_line() -> None:
    port = _closed_port()
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(f"postgresql+psycopg2://jobs:{PASSWORD}@127.0.0.1:{port}/runs")
    message = str(caught.value)
    assert message.startswith(f"cannot reach database postgresql+psycopg2://jobs:***@127.0.0.1:{port}/runs: ")
    assert "refused" in message
    assert PASSWORD not in message
    assert "\n" not in message


def test_sqlite_file_in_missing_directory_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir" / "jobconsole.db"
    with pytest.raises(StoreUnavailableError) as caught:
        open_store(f"sqlite:///{path}")
    message = str(caught.value)
    assert str(path) in message
    assert "directory exists" in message
    assert "\n" not in message


def test_schema_is_created_once_and_data_survives_reopening(database_url: str) -> None:
    store = open_store(database_url)
    store.write([finished_run(1)])
    store.close()

    reopened = open_store(database_url)
    try:
        assert reopened.get_run(1) == finished_run(1)
        assert reopened.dialect == make_url(database_url).get_backend_name()
    finally:
        reopened.close()


def test_url_label_hides_the_password(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql" and url.password is None:
        # The test cluster trusts every connection, so any password is accepted.
        url = url.set(password=PASSWORD)
    store = open_store(url.render_as_string(hide_password=False))
    try:
        assert store.url_label == url.render_as_string(hide_password=True)
        if url.password:
            assert str(url.password) not in store.url_label
            assert ":***@" in store.url_label
    finally:
        store.close()


def test_redact_url_hides_passwords_even_in_unparseable_urls() -> None:
    assert redact_url(f"postgresql://jobs:{PASSWORD}@db/runs") == "postgresql://jobs:***@db/runs"
    assert redact_url(f"postgresql://jobs:{PASSWORD}@db:port/runs") == "postgresql://jobs:***@db:port/runs"
    assert redact_url("sqlite:///jobconsole.db") == "sqlite:///jobconsole.db"


def test_plain_postgresql_scheme_uses_psycopg2(postgres_server: PostgresServer | ExternalPostgres) -> None:
    name = "jobconsole_plain_scheme"
    url = postgres_server.create_database(name)
    try:
        store = open_store(url.replace("postgresql+psycopg2://", "postgresql://", 1))
        try:
            store.write([finished_run(1)])
            assert store.max_run_id() == 1
            assert store.url_label.startswith("postgresql://")
        finally:
            store.close()
    finally:
        postgres_server.drop_database(name)


def test_files_the_scheduler_creates_are_for_their_owner_only(tmp_path) -> None:
    """The database and the spool hold tracebacks: 0600 files, a 0700 directory."""
    import stat

    from jobconsole.engine.spool import Spool
    from jobconsole.runs import RunMode, RunRecord, RunStatus, TriggeredBy

    database = tmp_path / "runs.db"
    store = open_store(f"sqlite:///{database}")
    try:
        store.leadership("test").try_take()
        made = [database, *tmp_path.glob("runs.db-*")]
        assert len(made) >= 2
        for path in made:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        store.close()
    spooled, _ = Spool(tmp_path / "spool", "sqlite:///runs.db").save([
        RunRecord(id=1, job_name="feed", triggered_by=TriggeredBy.MANUAL, status=RunStatus.RUNNING,
                  run_mode=RunMode.THREAD, scheduled_for=None, started_at=datetime.now(timezone.utc)),
    ])
    assert stat.S_IMODE(spooled.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(spooled.stat().st_mode) == 0o600


def test_a_password_given_as_a_query_parameter_is_hidden_too() -> None:
    assert redact_url("postgresql://jobs@db.example/app?password=s3cret&sslmode=require") == (
        "postgresql://jobs@db.example/app?password=***&sslmode=require"
    )
    assert redact_url("postgresql://jobs:s3cret@db.example/app") == "postgresql://jobs:***@db.example/app"
