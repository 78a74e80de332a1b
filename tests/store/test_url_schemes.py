"""``postgres://`` (the usual DATABASE_URL form) and ``postgresql://`` mean PostgreSQL through psycopg2, for the
store and for the shell CLI's light reads alike, on the real server."""

from __future__ import annotations

import pytest

from jobconsole.runs import HistoryQuery
from jobconsole.store import open_store
from jobconsole.store.light import history
from jobconsole.store.schemes import canonical_url
from tests.store.factories import finished_run

@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_url_without_a_driver_opens_the_database_with_psycopg2(database_url: str, scheme: str) -> None:
    url = database_url.replace("postgresql+psycopg2://", f"{scheme}://", 1)
    store = open_store(url)
    try:
        store.write([finished_run(1, job_name="sync_partner_feed")])
        assert store.url_label.startswith(f"{scheme}://"), "the URL is shown as it was written"
        assert [row.job_name for row in store.history(HistoryQuery(limit=5)).rows] == ["sync_partner_feed"]
    finally:
        store.close()
    # The light reader (no SQLAlchemy) reads it too, rather than stepping aside.
    assert [row.id for row in history(url, HistoryQuery(limit=5))] == [1]
    # And it is the same database as under its canonical spelling.
    reopened = open_store(database_url)
    try:
        assert reopened.max_run_id() == 1
    finally:
        reopened.close()


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("postgres://u:p@h:5432/db?sslmode=require", "postgresql+psycopg2://u:p@h:5432/db?sslmode=require"),
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///postgres://x.db", "sqlite:///postgres://x.db"),
    ],
)
def test_only_a_postgresql_scheme_without_a_driver_is_rewritten(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
