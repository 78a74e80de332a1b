"""Retries: ``scheduled_job_runs.attempt`` and ``first_run_id``, one row per attempt.

- ``attempt``: which attempt of its run a row is, 1 for a first attempt. Not
  null; every existing row is a first attempt and gets 1.
- ``first_run_id``: for a retry (``attempt`` > 1), the id of its first
  attempt's row; null for first attempts, so every existing row has none.
- A unique index on (``first_run_id``, ``attempt``) over retries: one row per
  attempt of a run, as ``ux_scheduled_job_runs_occurrence`` keeps one row per
  scheduled occurrence, so two leaders can never both record attempt 2 of a run.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RETRIES = sa.text("first_run_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("scheduled_job_runs", sa.Column("attempt", sa.Integer(), nullable=False, server_default=sa.text("1")))
    op.add_column("scheduled_job_runs", sa.Column("first_run_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "ux_scheduled_job_runs_attempt",
        "scheduled_job_runs",
        ["first_run_id", "attempt"],
        unique=True,
        postgresql_where=_RETRIES,
        sqlite_where=_RETRIES,
    )


def downgrade() -> None:
    op.drop_index("ux_scheduled_job_runs_attempt", table_name="scheduled_job_runs")
    # A batch on SQLite (it copies the table when its SQLite cannot drop a column in place).
    with op.batch_alter_table("scheduled_job_runs") as batch:
        batch.drop_column("first_run_id")
        batch.drop_column("attempt")
