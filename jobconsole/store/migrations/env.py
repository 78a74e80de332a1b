"""Alembic's entry point: run the migrations on the connection :func:`upgrade_schema` passes in."""

from __future__ import annotations

from alembic import context

from jobconsole.store.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
