"""Fixtures shared by the whole suite. The databases are real: SQLite files and a PostgreSQL server.

``database_url`` (function scope, parametrized over both backends)
    The URL of a fresh, empty database; a test using it runs twice, with ids
    ending ``[sqlite]`` and ``[postgresql]``. SQLite: a file in a temp dir of
    its own. PostgreSQL: a new, empty schema in the session's test database;
    the URL selects it (``?options=-csearch_path=...``), so every connection
    made from the URL, in this process or a child, sees only that schema.
    It is dropped after the test, cutting connections the test left open.
    One backend only: ``@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)``.

``postgres_server`` (session scope)
    The session's PostgreSQL server: ``url(dbname)``, ``create_database(name)``
    (returns its URL) and ``drop_database(name)``. It is the server named by
    ``JOBCONSOLE_TEST_POSTGRES_URL`` when that is set (its user must be allowed
    to create databases); otherwise a throwaway PostgreSQL 15 cluster that the
    suite starts itself (see tests/support/postgres.py). Never stop it: other
    tests share it.

``dedicated_postgres_server`` (function scope)
    A :class:`~tests.support.postgres.PostgresServer` of the test's own, already
    started, that the test may ``stop()`` and ``start()`` again to play an
    outage; deleted after the test.

Without PostgreSQL server binaries the PostgreSQL cases are skipped, except
under CI (``CI=true``), where they fail instead: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest

from tests.support.postgres import ExternalPostgres, PostgresServer, PostgresUnavailable

EXTERNAL_POSTGRES_ENV = "JOBCONSOLE_TEST_POSTGRES_URL"


@pytest.fixture(scope="session", autouse=True)
def _local_state_in_a_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Schedulers keep journals and spool files under $XDG_STATE_HOME; the suite's go to a temp dir,
    for this process and the jobconsole processes it starts."""
    saved = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if saved is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = saved


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _postgres_missing(reason: str) -> NoReturn:
    if _under_ci():
        # "from None": the message already says what the chained PostgresUnavailable would.
        raise pytest.fail.Exception(f"{reason} (CI is set, so the PostgreSQL tests must run, not skip)", pytrace=False) from None
    pytest.skip(reason)


def _started_server() -> PostgresServer:
    try:
        server = PostgresServer()
    except PostgresUnavailable as error:
        _postgres_missing(str(error))
    try:
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | ExternalPostgres]:
    external_url = os.environ.get(EXTERNAL_POSTGRES_ENV)
    if external_url:
        yield ExternalPostgres(external_url)
        return
    server = _started_server()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dedicated_postgres_server() -> Iterator[PostgresServer]:
    server = _started_server()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def _postgres_test_database(postgres_server: PostgresServer | ExternalPostgres) -> Iterator[str]:
    """One database for the session; each test gets a schema of its own in it."""
    name = f"jobconsole_tests_{uuid.uuid4().hex[:8]}"
    postgres_server.create_database(name)
    try:
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        # A directory of its own: tests that run the CLI in tmp_path must not find this file there.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'jobconsole.db'}"
        return
    # Looked up only now, so that running only SQLite cases never starts PostgreSQL.
    server: PostgresServer | ExternalPostgres = request.getfixturevalue("postgres_server")
    dbname: str = request.getfixturevalue("_postgres_test_database")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    url = server.create_schema(dbname, schema)
    try:
        yield url
    finally:
        server.drop_schema(dbname, schema)
